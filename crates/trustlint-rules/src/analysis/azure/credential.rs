//! Credentials as predicates, credential sets as relying parties, and the identities'
//! role assignments.

use std::collections::BTreeMap;

use trustlint_parser::federation::azure::expression::{self, Expression, Operator, ParseError};
use trustlint_parser::federation::azure::{
    AzureResources, Credential, Holder, IdentityKind, RoleAssignment,
};
use trustlint_parser::input::{Content, Document, Workspace};
use trustlint_parser::Span;

use crate::analysis::claim_predicate::{Predicate, Values};
use crate::analysis::relying_party::RelyingParty;

/// The claims Microsoft accepts in a GitLab flexible credential: `sub` (`eq`,
/// `matches`), and the ids it requires one of (`eq`).
pub const ID_CLAIMS: [&str; 3] = ["project_id", "namespace_id", "user_id"];

/// Whether a value is left symbolic by its input: a Terraform `${…}` placeholder, or a
/// documentation placeholder `<…>` (no GitLab path, ref or URL holds `<`).
pub fn is_symbolic(text: &str) -> bool {
    text.contains("${")
        || text
            .find('<')
            .is_some_and(|open| text.get(open..).is_some_and(|rest| rest.contains('>')))
}

/// Every credential of the workspace with its document.
pub fn credentials(workspace: &Workspace) -> Vec<(&Document, &Credential)> {
    workspace
        .documents
        .iter()
        .filter_map(|document| match &document.content {
            Content::Iam(resources) => Some((document, &resources.federation.azure)),
            _ => None,
        })
        .flat_map(|(document, azure)| azure.credentials.iter().map(move |c| (document, c)))
        .collect()
}

/// The Azure resources of every document of the workspace.
pub fn resources(workspace: &Workspace) -> impl Iterator<Item = &AzureResources> {
    workspace
        .documents
        .iter()
        .filter_map(|document| match &document.content {
            Content::Iam(resources) => Some(&resources.federation.azure),
            _ => None,
        })
}

/// Whether a credential is meant for GitLab tokens: its issuer names GitLab, or its
/// subject or expression has GitLab's `sub` shape.
pub fn is_gitlab(credential: &Credential) -> bool {
    let gitlab_sub = |text: &str| text.contains("project_path:") || text.contains("project_id:");
    credential
        .issuer
        .as_ref()
        .is_some_and(|issuer| issuer.value.to_ascii_lowercase().contains("gitlab"))
        || credential
            .subject
            .as_ref()
            .is_some_and(|s| gitlab_sub(&s.value))
        || credential
            .expression
            .as_ref()
            .is_some_and(|e| gitlab_sub(&e.value.value))
}

/// A flexible credential's expression, parsed (`None`: no expression, or one built by
/// Terraform from values not known offline). Documentation placeholders (`<id>`) parse:
/// only the clauses holding one are unknown.
pub fn parsed(credential: &Credential) -> Option<Result<Expression, ParseError>> {
    let expression = credential.expression.as_ref()?;
    (!expression.value.value.contains("${")).then(|| expression::parse(&expression.value.value))
}

/// Why Microsoft would not take a clause of a GitLab flexible credential (a claim or
/// operator outside the documented list), if so.
pub fn unsupported(clause: &expression::Clause) -> Option<String> {
    match (clause.claim.as_str(), clause.operator) {
        ("sub", _) => None,
        (claim, Operator::Eq) if ID_CLAIMS.contains(&claim) => None,
        (claim, Operator::Matches) if ID_CLAIMS.contains(&claim) => Some(format!(
            "`{claim}` supports only `eq` in a GitLab flexible credential"
        )),
        (claim, _) => Some(format!(
            "`{claim}` is not a claim Microsoft matches for GitLab (only `sub`, and `eq` on `project_id`, `namespace_id` or `user_id`)"
        )),
    }
}

/// What a credential requires of a token's claims (issuer and audiences aside).
pub fn predicate(credential: &Credential) -> Predicate {
    let unknown = |span: Span, why: &str| Predicate::Unknown {
        span,
        why: why.to_owned(),
    };
    match (&credential.subject, &credential.expression) {
        (Some(_), Some(expression)) => unknown(
            expression.value.span,
            "the credential sets both a subject and an expression, which Microsoft refuses",
        ),
        (Some(subject), None) if is_symbolic(&subject.value) => {
            unknown(subject.span, "the subject is not known offline")
        }
        (Some(subject), None) => Predicate::test(
            "sub",
            Values::equals(&[subject.value.as_str()]),
            subject.span,
        ),
        (None, Some(written)) => match parsed(credential) {
            None => unknown(written.value.span, "the expression is not known offline"),
            Some(Err(error)) => unknown(written.span_of(error.at), "the expression does not parse"),
            Some(Ok(expression)) => Predicate::and(
                expression
                    .clauses
                    .iter()
                    .map(|clause| {
                        let span = written.span_of(clause.at.clone());
                        if unsupported(clause).is_some() {
                            return unknown(span, "a clause Microsoft does not support for GitLab");
                        }
                        if is_symbolic(&clause.comparand) {
                            return unknown(span, "the comparand is a placeholder");
                        }
                        let values = match clause.operator {
                            Operator::Eq => Values::equals(&[clause.comparand.as_str()]),
                            Operator::Matches => Values::wildcard(&clause.comparand),
                        };
                        Predicate::test(&clause.claim, values, span)
                    })
                    .collect(),
            ),
        },
        (None, None) => unknown(
            credential.span,
            "the credential has neither subject nor expression",
        ),
    }
}

/// The GitLab credentials of one app registration or managed identity.
#[derive(Debug)]
pub struct CredentialSet<'w> {
    /// The holder's key (a Terraform address, an id or name as written); for a
    /// credential whose holder is not written, its file and place.
    pub key: String,
    /// Whether the holder is written (credentials with an unknown holder are a set each).
    pub known_holder: bool,
    pub credentials: Vec<&'w Credential>,
}

impl CredentialSet<'_> {
    /// How messages name it.
    pub fn label(&self) -> String {
        if self.known_holder {
            format!("the Entra identity `{}`", self.key)
        } else {
            "this credential's Entra identity".to_owned()
        }
    }
}

/// The GitLab credentials of the workspace by holder, in order of first appearance.
pub fn credential_sets(workspace: &Workspace) -> Vec<CredentialSet<'_>> {
    let mut order: Vec<String> = Vec::new();
    let mut sets: BTreeMap<String, CredentialSet<'_>> = BTreeMap::new();
    for (_, credential) in credentials(workspace) {
        if !is_gitlab(credential) {
            continue;
        }
        let (key, known_holder) = match &credential.holder {
            Some(holder) if !holder.value.text().is_empty() => {
                (holder.value.text().to_owned(), true)
            }
            _ => (
                format!("{:?}@{}", credential.span.file, credential.span.start),
                false,
            ),
        };
        if !sets.contains_key(&key) {
            order.push(key.clone());
        }
        sets.entry(key.clone())
            .or_insert_with(|| CredentialSet {
                key,
                known_holder,
                credentials: Vec::new(),
            })
            .credentials
            .push(credential);
    }
    order
        .into_iter()
        .filter_map(|key| sets.remove(&key))
        .collect()
}

/// Some credentials of a set, seen as one relying party: a token gets in when one of
/// them matches it.
#[derive(Debug)]
pub struct AzureParty<'w> {
    pub credentials: Vec<&'w Credential>,
    label: String,
    predicate: Predicate,
}

impl<'w> AzureParty<'w> {
    pub fn new(label: String, credentials: Vec<&'w Credential>) -> AzureParty<'w> {
        let predicate = Predicate::or(credentials.iter().map(|c| predicate(c)).collect());
        AzureParty {
            credentials,
            label,
            predicate,
        }
    }
}

/// Whether one credential accepts a value of a field (`None`: not known offline).
fn accepts(values: &[&str], value: &str) -> Option<bool> {
    if values.contains(&value) {
        Some(true)
    } else if values.iter().any(|v| is_symbolic(v)) || values.is_empty() {
        None
    } else {
        Some(false)
    }
}

/// A credential's `issuer` accepts `iss` (exactly: Entra compares the strings).
pub fn issuer_accepts(credential: &Credential, iss: &str) -> Option<bool> {
    let issuer = credential.issuer.as_ref()?;
    accepts(&[issuer.value.as_str()], iss)
}

/// A credential's `audiences` hold `aud`.
pub fn audience_accepts(credential: &Credential, aud: &str) -> Option<bool> {
    let audiences = credential.audiences.as_ref()?;
    let values: Vec<&str> = audiences.value.iter().map(|a| a.value.as_str()).collect();
    accepts(&values, aud)
}

/// Any of `credentials` says yes; unknown when none does and one can't tell.
fn any(credentials: &[&Credential], test: impl Fn(&Credential) -> Option<bool>) -> Option<bool> {
    let mut unknown = false;
    for credential in credentials {
        match test(credential) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => unknown = true,
        }
    }
    (!unknown).then_some(false)
}

impl RelyingParty for AzureParty<'_> {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn span(&self) -> Span {
        self.credentials
            .first()
            .map_or_else(|| Span::new(trustlint_parser::FileId(0), 0, 0), |c| c.span)
    }

    fn accepts_issuer(&self, iss: &str) -> Option<bool> {
        any(&self.credentials, |c| issuer_accepts(c, iss))
    }

    fn accepts_audience(&self, aud: &str) -> Option<bool> {
        any(&self.credentials, |c| audience_accepts(c, aud))
    }

    fn audiences_span(&self) -> Span {
        self.credentials
            .iter()
            .find_map(|c| c.audiences.as_ref().map(|a| a.span))
            .unwrap_or_else(|| self.span())
    }

    fn predicate(&self) -> &Predicate {
        &self.predicate
    }
}

/// `text` with its first letter upper-case (a message that starts with a label).
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The roles Microsoft names as privileged administrator roles that a CI identity
/// should not hold broadly: name and built-in definition id.
pub const PRIVILEGED_ROLES: [(&str, &str); 4] = [
    ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
    ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
    (
        "User Access Administrator",
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    ),
    (
        "Role Based Access Control Administrator",
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    ),
];

/// The privileged role an assignment grants (by name or built-in id), if any.
pub fn privileged_role(assignment: &RoleAssignment) -> Option<&'static str> {
    let role = assignment.role.as_ref()?.value.to_ascii_lowercase();
    PRIVILEGED_ROLES
        .iter()
        .find(|(name, id)| role == name.to_ascii_lowercase() || role.contains(id))
        .map(|(name, _)| *name)
}

/// Whether a scope is a whole subscription, a management group or the tenant root.
pub fn broad_scope(scope: &str) -> Option<&'static str> {
    let trimmed = scope.trim_end_matches('/');
    let segments: Vec<&str> = trimmed.split('/').collect();
    match segments.as_slice() {
        [""] => Some("the tenant root"),
        ["", subscriptions, id]
            if subscriptions.eq_ignore_ascii_case("subscriptions") && !id.is_empty() =>
        {
            Some("a whole subscription")
        }
        ["", providers, namespace, groups, id]
            if providers.eq_ignore_ascii_case("providers")
                && namespace.eq_ignore_ascii_case("Microsoft.Management")
                && groups.eq_ignore_ascii_case("managementGroups")
                && !id.is_empty() =>
        {
            Some("a management group")
        }
        _ => None,
    }
}

/// Whether a role assignment's principal is the set's holder: the holder itself (a
/// managed identity, an id as written) or a service principal of the holder application.
pub fn assigned_to(workspace: &Workspace, assignment: &RoleAssignment, holder: &str) -> bool {
    let Some(principal) = &assignment.principal else {
        return false;
    };
    let principal = principal.value.text();
    if principal == holder {
        return true;
    }
    matches!(&assignment.principal, Some(p) if matches!(p.value, Holder::Address(_)))
        && resources(workspace)
            .flat_map(|azure| &azure.identities)
            .any(|identity| {
                identity.kind == IdentityKind::ServicePrincipal
                    && identity.key == principal
                    && identity.application.as_deref() == Some(holder)
            })
}
