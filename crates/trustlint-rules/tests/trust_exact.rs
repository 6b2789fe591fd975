//! No TL1xx error or warning fires on an exact trust policy (StringEquals on `aud` and
//! full `sub` values), whatever the layout of its JSON: statement object or list, single
//! values or lists, one or several operator blocks and statements, key case, spacing,
//! self-managed hosts with a path, GitHub next to GitLab, placeholders.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use trustlint_parser::input::{self, Discovery, InputKind, Workspace};
use trustlint_parser::{FileId, Limits, SourceFile};
use trustlint_rules::{engine, registry, Context, Settings, Severity};

const GL: &str = "arn:aws:iam::210987654321:oidc-provider/gitlab.com";
const MAIN: &str = "project_path:acme/infra:ref_type:branch:ref:main";

fn findings(text: &str) -> Vec<String> {
    let file = SourceFile::new(FileId(0), PathBuf::from("trust.json"), text);
    let document = input::load(
        &file,
        Some(InputKind::IamPolicy),
        Discovery::Named,
        &Limits::default(),
    )
    .unwrap();
    let mut workspace = Workspace::default();
    workspace.sources.push(file);
    workspace.documents.push(document);
    let settings = Settings::default();
    let cx = Context::new(&workspace, &settings);
    engine::run(registry::all(), &cx)
        .into_iter()
        .filter(|f| f.code().starts_with("TL1") || f.code().starts_with("TL0"))
        .filter(|f| f.severity >= Severity::Warning)
        .map(|f| format!("{}: {}", f.code(), f.message))
        .collect()
}

#[test]
fn exact_policies_are_clean_in_every_layout() {
    let layouts = [
        // The GitLab documentation's shape, with aud.
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"Federated": "{GL}"}}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {{"StringEquals": {{"gitlab.com:aud": "https://gitlab.com", "gitlab.com:sub": "{MAIN}"}}}}}}]}}"#
        ),
        // A single statement object, values as lists, keys in other case, two blocks.
        format!(
            r#"{{
  "Version": "2012-10-17",
  "Statement": {{
    "Sid": "GitLabDeploy",
    "Effect": "Allow",
    "Principal": {{"Federated": ["{GL}"]}},
    "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
    "Condition": {{
      "StringEquals": {{
        "GitLab.com:AUD": ["https://gitlab.com"],
        "GITLAB.COM:sub": ["{MAIN}", "project_path:acme/infra:ref_type:tag:ref:v1.0.0"]
      }}
    }}
  }}
}}"#
        ),
        // Several statements, each exact, plus a Deny carve-out; no Version.
        format!(
            r#"{{"Statement": [
  {{"Effect": "Allow", "Principal": {{"Federated": "{GL}"}}, "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {{"StringEquals": {{"gitlab.com:aud": "https://gitlab.com", "gitlab.com:sub": "{MAIN}"}}}}}},
  {{"Effect": "Allow", "Principal": {{"Federated": "arn:aws:iam::210987654321:oidc-provider/gitlab.example.com/gitlab"}}, "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {{"StringEquals": {{"gitlab.example.com/gitlab:aud": "https://gitlab.example.com/gitlab", "gitlab.example.com/gitlab:sub": ["project_path:ops/app:ref_type:branch:ref:main"]}}}}}},
  {{"Effect": "Allow", "Principal": {{"Federated": "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com"}}, "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {{"StringEquals": {{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:acme/infra:ref:refs/heads/main"}}}}}},
  {{"Effect": "Deny", "Principal": {{"Federated": "{GL}"}}, "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {{"StringEquals": {{"gitlab.com:sub": "project_path:acme/infra:ref_type:branch:ref:legacy"}}}}}}
]}}"#
        ),
        // Placeholders for the account and the values.
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Principal": {"Federated": "arn:aws:iam::AWS_ACCOUNT:oidc-provider/gitlab.com"},
  "Action": "sts:AssumeRoleWithWebIdentity",
  "Condition": {"StringEquals": {"gitlab.com:aud": "${var.audience}", "gitlab.com:sub": "project_path:${var.project}:ref_type:branch:ref:main"}}}]}"#
            .to_owned(),
        // Split blocks: aud and sub in separate operator maps, whitespace-free.
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity","Principal":{{"Federated":"{GL}"}},"Condition":{{"StringEquals":{{"gitlab.com:sub":"{MAIN}"}},"StringEqualsIgnoreCase":{{"gitlab.com:aud":"https://GitLab.com"}}}}}}]}}"#
        ),
    ];
    for (i, text) in layouts.iter().enumerate() {
        assert_eq!(findings(text), Vec::<String>::new(), "layout {i}:\n{text}");
    }
}

#[test]
fn a_wide_policy_is_not_clean() {
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"Federated": "{GL}"}}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {{"StringLike": {{"gitlab.com:sub": "project_path:acme*"}}}}}}]}}"#
    );
    let found = findings(&text);
    assert!(found.iter().any(|f| f.starts_with("TL103")), "{found:?}");
    assert!(found.iter().any(|f| f.starts_with("TL102")), "{found:?}");
}
