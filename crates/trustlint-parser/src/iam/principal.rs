//! The `Principal` / `NotPrincipal` value of a statement: `"*"`, or a map from principal
//! type (`AWS`, `Federated`, `Service`, `CanonicalUser`) to one value or a list.

use std::fmt;

use crate::iam::arn::OidcProviderArn;
use crate::source::Span;
use crate::spanned::Spanned;

/// A principal type, the key of a `Principal` map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    Aws,
    Federated,
    Service,
    CanonicalUser,
}

impl PrincipalKind {
    pub const ALL: [PrincipalKind; 4] = [
        PrincipalKind::Aws,
        PrincipalKind::Federated,
        PrincipalKind::Service,
        PrincipalKind::CanonicalUser,
    ];

    /// The key as written in a policy.
    pub fn name(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::Service => "Service",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }

    /// The kind with exactly this (case-sensitive) key.
    pub fn from_name(name: &str) -> Option<PrincipalKind> {
        PrincipalKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for PrincipalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The principals of one type: `"Federated": "arn:…"` or `"AWS": ["…", "…"]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalEntry {
    /// The type, spanned at its key.
    pub kind: Spanned<PrincipalKind>,
    pub values: Vec<Spanned<String>>,
}

/// A statement's principal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// `"Principal": "*"`: everyone (anonymous included).
    Any(Span),
    /// `"Principal": { "AWS": …, "Federated": …, … }`.
    Entries(Vec<PrincipalEntry>),
}

impl Principal {
    /// True for `"*"` and for `{"AWS": "*"}` (any AWS principal).
    pub fn is_any(&self) -> bool {
        match self {
            Principal::Any(_) => true,
            Principal::Entries(entries) => entries.iter().any(|e| {
                e.kind.value == PrincipalKind::Aws && e.values.iter().any(|v| v.value == "*")
            }),
        }
    }

    /// The entries of the map form (none for `"*"`).
    pub fn entries(&self) -> &[PrincipalEntry] {
        match self {
            Principal::Any(_) => &[],
            Principal::Entries(entries) => entries,
        }
    }

    /// Every value of one principal type.
    pub fn values_of(&self, kind: PrincipalKind) -> impl Iterator<Item = &Spanned<String>> {
        self.entries()
            .iter()
            .filter(move |e| e.kind.value == kind)
            .flat_map(|e| e.values.iter())
    }

    /// Every `Federated` value (identity provider ARNs or names).
    pub fn federated(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.values_of(PrincipalKind::Federated)
    }

    /// Every `Federated` value that is an IAM OIDC provider ARN, parsed.
    pub fn oidc_providers(&self) -> impl Iterator<Item = (&Spanned<String>, OidcProviderArn)> {
        self.federated()
            .filter_map(|value| OidcProviderArn::parse(&value.value).map(|arn| (value, arn)))
    }
}
