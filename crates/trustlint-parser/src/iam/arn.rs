//! Amazon Resource Names: splitting an ARN into its parts (interpolations such as
//! `${AWS::AccountId}` kept whole), checking that a `Resource` value has ARN shape, and
//! parsing IAM OIDC provider ARNs (`arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH]`).

use std::fmt;

use crate::iam::placeholder::{is_placeholder, is_placeholder_account};

/// The AWS partitions (the second part of every ARN).
pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// The resource type prefix of an IAM OIDC provider ARN.
const OIDC_PROVIDER_PREFIX: &str = "oidc-provider/";

/// The parts of an ARN: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (the resource
/// may itself contain `:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits an ARN; `None` unless it starts with `arn:` and has at least six parts.
    /// Colons inside `${…}` do not separate parts.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        if !text.starts_with("arn:") {
            return None;
        }
        let mut colons = colons(text);
        let p1 = colons.next()?;
        let [p2, p3, p4, p5] = [
            colons.next()?,
            colons.next()?,
            colons.next()?,
            colons.next()?,
        ];
        Some(Arn {
            partition: text.get(p1 + 1..p2)?,
            service: text.get(p2 + 1..p3)?,
            region: text.get(p3 + 1..p4)?,
            account: text.get(p4 + 1..p5)?,
            resource: text.get(p5 + 1..)?,
        })
    }
}

/// The byte positions of the colons of `text` outside `${…}`, in order. Only `:`, `$`
/// and `}` matter, so the search jumps from one to the next.
fn colons(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut from = 0;
    std::iter::from_fn(move || loop {
        let index = from + memchr::memchr3(b':', b'$', b'}', bytes.get(from..)?)?;
        from = index + 1;
        match bytes.get(index) {
            Some(b'$') if bytes.get(index + 1) == Some(&b'{') => {
                depth += 1;
                from += 1;
            }
            Some(b'}') if depth > 0 => depth -= 1,
            Some(b':') if depth == 0 => return Some(index),
            _ => {}
        }
    })
}

/// Checks that a `Resource`/`NotResource` value is `*`, an ARN or a placeholder. The
/// error is a message naming what is wrong.
///
/// This follows what IAM itself rejects: no `:` at all ("must be in ARN format or
/// `*`"), an unknown partition, no service part, an empty service, fewer than six parts
/// when some part is empty (`arn:aws:s3::bucket`), and a region in an IAM ARN. IAM accepts
/// shorter ARNs without empty parts (`arn:aws:fdsasf`), so they are not reported here.
pub fn check_resource(text: &str) -> Result<(), String> {
    if text == "*" || is_placeholder(text) {
        return Ok(());
    }
    let parts = split_parts(text);
    let [_, partition, rest @ ..] = parts.as_slice() else {
        return Err(format!(
            "resource `{text}` is neither `*` nor an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`)"
        ));
    };
    if *partition != "*" && !PARTITIONS.contains(partition) {
        return Err(format!(
            "resource `{text}` has partition `{partition}`; the partitions are `aws`, `aws-cn`, `aws-us-gov` (and `*`)"
        ));
    }
    let Some(service) = rest.first() else {
        return Err(format!(
            "resource `{text}` has no service: write `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`"
        ));
    };
    if service.is_empty() || (parts.len() < 6 && text.contains("::")) {
        return Err(format!(
            "resource ARN `{text}` is malformed: write `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (six parts, region and account may be empty)"
        ));
    }
    if *service == "iam" && rest.get(1).is_some_and(|region| !region.is_empty()) {
        return Err(format!(
            "IAM resource `{text}` has a region; IAM is global, leave the region empty (`arn:aws:iam::ACCOUNT:…`)"
        ));
    }
    Ok(())
}

/// The colon-separated parts of a text, colons inside `${…}` not counted.
fn split_parts(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for position in colons(text) {
        parts.push(text.get(start..position).unwrap_or(""));
        start = position + 1;
    }
    parts.push(text.get(start..).unwrap_or(""));
    parts
}

/// The partition, account and provider (`HOST[/PATH]`) of an OIDC provider ARN.
fn oidc_provider_parts(text: &str) -> Option<(&str, &str, &str)> {
    let arn = Arn::parse(text)?;
    let partition_ok = PARTITIONS.contains(&arn.partition) || is_placeholder(arn.partition);
    if !partition_ok || arn.service != "iam" || !arn.region.is_empty() {
        return None;
    }
    if arn.account.is_empty() {
        return None;
    }
    let provider = arn.resource.strip_prefix(OIDC_PROVIDER_PREFIX)?;
    if provider.is_empty() || provider.starts_with('/') {
        return None;
    }
    Some((arn.partition, arn.account, provider))
}

/// An IAM OIDC identity provider ARN, `arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST[/PATH]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OidcProviderArn {
    pub partition: String,
    /// A 12-digit ID or a placeholder (`AWS_ACCOUNT`, `${AWS::AccountId}`, …).
    pub account: String,
    /// `HOST[/PATH]` as written: the prefix of the provider's condition keys.
    pub provider: String,
}

impl OidcProviderArn {
    /// Parses an OIDC provider ARN; `None` for anything else (SAML providers, service
    /// names, whole-value placeholders). The partition may be a placeholder
    /// (`${AWS::Partition}`).
    pub fn parse(text: &str) -> Option<OidcProviderArn> {
        let (partition, account, provider) = oidc_provider_parts(text)?;
        Some(OidcProviderArn {
            partition: partition.to_owned(),
            account: account.to_owned(),
            provider: provider.to_owned(),
        })
    }

    /// Whether `text` is an OIDC provider ARN: what [`OidcProviderArn::parse`] accepts,
    /// without copying its parts.
    pub fn is_one(text: &str) -> bool {
        oidc_provider_parts(text).is_some()
    }

    /// The host name (`gitlab.example.com`).
    pub fn host(&self) -> &str {
        self.provider
            .split_once('/')
            .map_or(self.provider.as_str(), |(host, _)| host)
    }

    /// The path after the host, without the leading `/` (`gitlab` for a GitLab installed
    /// under `https://example.com/gitlab`).
    pub fn path(&self) -> Option<&str> {
        self.provider.split_once('/').map(|(_, path)| path)
    }

    /// The prefix of this provider's condition keys: `HOST[/PATH]` (keys are
    /// `PREFIX:sub`, `PREFIX:aud`).
    pub fn condition_key_prefix(&self) -> &str {
        &self.provider
    }

    /// The condition key for one claim, e.g. `gitlab.example.com:sub`.
    pub fn condition_key(&self, claim: &str) -> String {
        let mut key = String::with_capacity(self.provider.len() + 1 + claim.len());
        key.push_str(&self.provider);
        key.push(':');
        key.push_str(claim);
        key
    }

    /// Whether `key` is [`OidcProviderArn::condition_key`]`(claim)`, ignoring ASCII case
    /// as IAM does, without writing the key.
    pub fn is_condition_key(&self, key: &str, claim: &str) -> bool {
        let (key, prefix) = (key.as_bytes(), self.provider.as_bytes());
        key.len() == prefix.len() + 1 + claim.len()
            && key
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
            && key.get(prefix.len()) == Some(&b':')
            && key
                .get(prefix.len() + 1..)
                .is_some_and(|tail| tail.eq_ignore_ascii_case(claim.as_bytes()))
    }

    /// True when the account is a placeholder or a documentation example ID.
    pub fn account_is_placeholder(&self) -> bool {
        is_placeholder_account(&self.account)
    }
}

impl fmt::Display for OidcProviderArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:iam::{}:{OIDC_PROVIDER_PREFIX}{}",
            self.partition, self.account, self.provider
        )
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The colons outside `${…}`, found byte by byte.
    fn colons_one_by_one(text: &str) -> Vec<usize> {
        let (bytes, mut depth, mut index, mut found) = (text.as_bytes(), 0, 0, Vec::new());
        while index < bytes.len() {
            match bytes[index] {
                b'$' if bytes.get(index + 1) == Some(&b'{') => {
                    depth += 1;
                    index += 1;
                }
                b'}' if depth > 0 => depth -= 1,
                b':' if depth == 0 => found.push(index),
                _ => {}
            }
            index += 1;
        }
        found
    }

    proptest! {
        #[test]
        fn colons_are_those_outside_interpolations(text in "[:${}a]{0,40}") {
            prop_assert_eq!(colons(&text).collect::<Vec<_>>(), colons_one_by_one(&text));
        }
    }

    #[test]
    fn a_condition_key_is_known_without_writing_it() {
        let arn = OidcProviderArn::parse(
            "arn:aws:iam::210987654321:oidc-provider/git.example.com/gitlab",
        )
        .unwrap();
        for key in [
            "git.example.com/gitlab:sub",
            "GIT.example.com/GitLab:SUB",
            "git.example.com/gitlab:sub ",
            "git.example.com/gitlab:su",
            "git.example.com/gitlab;sub",
            "git.example.com:sub",
            "git.example.com/gitlab:aud",
            "",
            "git.example.com/gitlab:\u{212A}",
        ] {
            for claim in ["sub", "aud", "k", ""] {
                assert_eq!(
                    arn.is_condition_key(key, claim),
                    key.eq_ignore_ascii_case(&arn.condition_key(claim)),
                    "{key:?} {claim:?}"
                );
            }
        }
    }

    #[test]
    fn gitlab_com_provider() {
        let arn =
            OidcProviderArn::parse("arn:aws:iam::210987654321:oidc-provider/gitlab.com").unwrap();
        assert_eq!(arn.partition, "aws");
        assert_eq!(arn.account, "210987654321");
        assert_eq!(arn.host(), "gitlab.com");
        assert_eq!(arn.path(), None);
        assert_eq!(arn.condition_key("sub"), "gitlab.com:sub");
        assert!(!arn.account_is_placeholder());
        assert_eq!(
            arn.to_string(),
            "arn:aws:iam::210987654321:oidc-provider/gitlab.com"
        );
    }

    #[test]
    fn provider_with_path() {
        let arn = OidcProviderArn::parse(
            "arn:aws:iam::210987654321:oidc-provider/gitlab.example.com/gitlab",
        )
        .unwrap();
        assert_eq!(arn.host(), "gitlab.example.com");
        assert_eq!(arn.path(), Some("gitlab"));
        assert_eq!(arn.condition_key_prefix(), "gitlab.example.com/gitlab");
    }

    #[test]
    fn placeholder_accounts() {
        for (text, account) in [
            (
                "arn:aws:iam::AWS_ACCOUNT:oidc-provider/gitlab.example.com",
                "AWS_ACCOUNT",
            ),
            (
                "arn:aws:iam::<account-id>:oidc-provider/gitlab.com",
                "<account-id>",
            ),
            ("arn:aws:iam::${var.x}:oidc-provider/gitlab.com", "${var.x}"),
            (
                "arn:aws:iam::${AWS::AccountId}:oidc-provider/gitlab.com",
                "${AWS::AccountId}",
            ),
            (
                "arn:aws:iam::ACCOUNT_ID:oidc-provider/gitlab.com",
                "ACCOUNT_ID",
            ),
            (
                "arn:aws:iam::123456789012:oidc-provider/gitlab.com",
                "123456789012",
            ),
        ] {
            let arn = OidcProviderArn::parse(text).unwrap();
            assert_eq!(arn.account, account, "{text}");
            assert!(arn.account_is_placeholder(), "{text}");
            assert!(arn.host().starts_with("gitlab."), "{text}");
        }
        let arn = OidcProviderArn::parse(
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/gitlab.com",
        )
        .unwrap();
        assert_eq!(arn.partition, "${AWS::Partition}");
        assert_eq!(arn.account, "${AWS::AccountId}");
    }

    #[test]
    fn other_partitions() {
        let arn =
            OidcProviderArn::parse("arn:aws-cn:iam::210987654321:oidc-provider/gitlab.cn").unwrap();
        assert_eq!(arn.partition, "aws-cn");
        assert_eq!(arn.host(), "gitlab.cn");
        assert!(OidcProviderArn::parse(
            "arn:aws-us-gov:iam::210987654321:oidc-provider/gitlab.com"
        )
        .is_some());
        assert!(
            OidcProviderArn::parse("arn:foo:iam::210987654321:oidc-provider/gitlab.com").is_none()
        );
    }

    #[test]
    fn not_oidc_providers() {
        for text in [
            "arn:aws:iam::210987654321:saml-provider/okta",
            "cognito-identity.amazonaws.com",
            "${aws_iam_openid_connect_provider.gitlab.arn}",
            "arn:aws:iam::210987654321:oidc-provider/",
            "arn:aws:iam:us-east-1:210987654321:oidc-provider/gitlab.com",
            "arn:aws:sts::210987654321:oidc-provider/gitlab.com",
            "arn:aws:iam:::oidc-provider/gitlab.com",
        ] {
            assert_eq!(OidcProviderArn::parse(text), None, "{text}");
            assert!(!OidcProviderArn::is_one(text), "{text}");
        }
        for text in [
            "arn:aws:iam::210987654321:oidc-provider/gitlab.com",
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/gitlab.example.com/gitlab",
            "arn:aws-cn:iam::210987654321:oidc-provider/gitlab.cn",
        ] {
            assert!(OidcProviderArn::parse(text).is_some(), "{text}");
            assert!(OidcProviderArn::is_one(text), "{text}");
        }
    }

    #[test]
    fn resource_shapes() {
        for ok in [
            "*",
            "arn:aws:s3:::bucket/*",
            "arn:*:cloudtrail:*:*:trail/*",
            "arn:aws:iam::*:mfa/${aws:username}",
            "arn:aws:ssm:*:${AWS::AccountId}:*",
            "arn:aws:lambda:*:123456789012:layer:sol-*:*",
            "${var.sdlc_roles}",
            "<bucket-arn>",
        ] {
            assert_eq!(check_resource(ok), Ok(()), "{ok}");
        }
        // IAM accepts short ARNs without empty parts.
        assert_eq!(check_resource("arn:aws:fdsasf"), Ok(()));
        assert_eq!(check_resource("arn:aws:s3:bucket"), Ok(()));
        let error = |text: &str| check_resource(text).unwrap_err();
        assert!(error("s3").contains("neither `*` nor an ARN"));
        assert!(error("").contains("neither `*` nor an ARN"));
        assert!(error("arn:aws:s3::bucket").contains("is malformed"));
        assert!(error("arn:aws::fdsasf").contains("is malformed"));
        assert!(error("arn:aws::::x").contains("is malformed"));
        assert!(error("arn:aws").contains("has no service"));
        assert!(error("arn:error:s3:::x").contains("has partition `error`"));
        assert!(error("aws:s3:::x").contains("has partition `s3`"));
        assert!(error("arn:aws:iam:us-east-1::role/x").contains("has a region"));
        assert_eq!(check_resource("arn:aws:iam:::user/x"), Ok(()));
    }

    #[test]
    fn arn_parts_keep_interpolations_whole() {
        let arn = Arn::parse("arn:aws:ssm:*:${AWS::AccountId}:parameter/a:b").unwrap();
        assert_eq!(arn.account, "${AWS::AccountId}");
        assert_eq!(arn.resource, "parameter/a:b");
    }
}
