//! Placeholders in policy text: documentation stand-ins (`AWS_ACCOUNT`, `<account-id>`,
//! `123456789012`), Terraform and CloudFormation interpolation (`${var.x}`,
//! `${AWS::AccountId}`) and IAM policy variables (`${aws:username}`). They are symbolic,
//! never invalid: checks that meet one skip it or say they are partial.

/// Account IDs used as examples in AWS and tool documentation.
pub const EXAMPLE_ACCOUNT_IDS: &[&str] = &[
    "123456789012",
    "111122223333",
    "444455556666",
    "777788889999",
    "000000000000",
];

/// True when the text contains an interpolation or policy variable: `${…}` (Terraform,
/// CloudFormation `Fn::Sub`, IAM policy variables) or `{{…}}` (templating).
pub fn has_interpolation(text: &str) -> bool {
    // Each such opening is a `{` after a `$` or a `{`. Searching one byte is a word-at-a-
    // time scan; searching two texts set up a substring search each time (this is
    // asked of every value of every statement).
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'{', bytes).any(|at| {
        at.checked_sub(1)
            .and_then(|before| bytes.get(before))
            .is_some_and(|&before| before == b'$' || before == b'{')
    })
}

/// True when the whole text stands for a value not written here: it contains an
/// interpolation, is wrapped in `<…>`, starts with `$` (shell variable) or is a symbolic
/// upper-case name such as `AWS_ACCOUNT`, `ACCOUNT_ID`, `ACCOUNTID`.
pub fn is_placeholder(text: &str) -> bool {
    has_interpolation(text)
        || (text.len() > 2 && text.starts_with('<') && text.ends_with('>'))
        || text.starts_with('$')
        || is_symbolic_name(text)
}

/// True for an account that is a placeholder or a documentation example ID.
pub fn is_placeholder_account(account: &str) -> bool {
    is_placeholder(account) || EXAMPLE_ACCOUNT_IDS.contains(&account)
}

/// True for a 12-digit AWS account ID.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// An upper-case identifier of at least three characters with at least one letter and
/// only `A-Z`, `0-9` and `_` (`AWS_ACCOUNT`, `ACCOUNT_ID`).
fn is_symbolic_name(text: &str) -> bool {
    text.len() >= 3
        && text.bytes().any(|b| b.is_ascii_uppercase())
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn an_interpolation_is_an_opening_after_a_dollar_or_a_brace(text in "[${}aé]{0,24}") {
            prop_assert_eq!(has_interpolation(&text), text.contains("${") || text.contains("{{"));
        }
    }

    #[test]
    fn interpolations() {
        for text in ["${a}", "x${", "{{", "a{{b}}", "{{{", "é${x}", "{${"] {
            assert!(has_interpolation(text), "{text}");
        }
        for text in [
            "", "{", "$", "${", "a{b}", "$ {", "{ {", "}{", "é{", "$é{", "{é{",
        ] {
            assert_eq!(
                has_interpolation(text),
                text.contains("${") || text.contains("{{"),
                "{text}"
            );
        }
        for text in ["a{b}", "$ {", "{ {", "}{", "é{", "$é{", "{é{", "{", "$"] {
            assert!(!has_interpolation(text), "{text}");
        }
    }

    #[test]
    fn placeholders() {
        for text in [
            "AWS_ACCOUNT",
            "ACCOUNT_ID",
            "ACCOUNTID",
            "<account-id>",
            "${var.account_id}",
            "${AWS::AccountId}",
            "${aws:username}",
            "$AWS_ACCOUNT_ID",
            "{{ account }}",
        ] {
            assert!(is_placeholder(text), "{text}");
        }
        for text in ["s3", "123456789012", "*", "arn:aws:s3:::b", "<>", "AB"] {
            assert!(!is_placeholder(text), "{text}");
        }
    }

    #[test]
    fn accounts() {
        assert!(is_placeholder_account("123456789012"));
        assert!(is_placeholder_account("AWS_ACCOUNT"));
        assert!(!is_placeholder_account("210987654321"));
        assert!(is_account_id("210987654321"));
        assert!(!is_account_id("21098765432"));
        assert!(!is_account_id("AWS_ACCOUNT"));
    }
}
