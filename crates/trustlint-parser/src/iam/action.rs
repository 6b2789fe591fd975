//! The shape of an IAM action name, `SERVICE:ACTION` (`s3:GetObject`, `ec2:Describe*`)
//! or `*`. Whether the action exists is the action catalog's business, not this file's.

use crate::iam::placeholder::is_placeholder;

/// Checks that an `Action`/`NotAction` value is `*`, `service:action` or a placeholder.
/// The error is a message naming what is wrong.
///
/// This follows what IAM itself rejects, which is less than the catalog's grammar: a
/// value without `:` ("Actions/Conditions must be prefaced by a vendor"), more than one
/// `:`, and a service prefix with characters other than letters, digits, `-` and `.`
/// (or exactly `*`). IAM does not check the action name after the `:` (it accepts
/// `iam: asdf`), so neither does this.
pub fn check_action(text: &str) -> Result<(), String> {
    if text == "*" || is_placeholder(text) {
        return Ok(());
    }
    let Some((service, name)) = text.split_once(':') else {
        return Err(format!(
            "action `{text}` has no service prefix: write `service:action` (e.g. `s3:GetObject`) or `*`"
        ));
    };
    if name.contains(':') {
        return Err(format!(
            "action `{text}` has more than one `:`: write `service:action`"
        ));
    }
    if service == "*" {
        return Ok(());
    }
    if let Some(bad) = service
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.')))
    {
        return Err(format!(
            "service prefix `{service}` of action `{text}` contains `{bad}`: a service prefix has only letters, digits, `-` and `.`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_actions() {
        for ok in [
            "*",
            "s3:GetObject",
            "s3:listallmybuckets",
            "ec2:Describe*",
            "s3:*MultipartUpload*",
            "iam:Get?ole",
            "aws-marketplace:ViewSubscriptions",
            "sts:AssumeRoleWithWebIdentity",
            "${var.action}",
            "S3:GetObject",
            "s3.s:ListBucket",
            "*:Get*",
            "iam: asdf safdsf af ",
        ] {
            assert_eq!(check_action(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn malformed_actions() {
        assert!(check_action("GetObject")
            .unwrap_err()
            .contains("no service prefix"));
        assert!(check_action("").unwrap_err().contains("no service prefix"));
        assert!(check_action("s3:Get:Object")
            .unwrap_err()
            .contains("more than one `:`"));
        assert!(check_action("a a:ListBucket")
            .unwrap_err()
            .contains("contains ` `"));
        assert!(check_action("s3*:Get")
            .unwrap_err()
            .contains("contains `*`"));
    }
}
