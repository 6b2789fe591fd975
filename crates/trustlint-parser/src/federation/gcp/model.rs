//! The model: pools, providers (mapping and condition as CEL text mapped to the file),
//! grants, and the principals they name.

use super::cel;
use crate::embedded::OffsetMap;
use crate::source::Span;
use crate::spanned::Spanned;

/// The placeholder for a project number no input gives (a pool's `name` in Terraform is
/// `projects/NUMBER/…`, the number known only once the project exists).
pub const PROJECT_NUMBER: &str = "${project_number}";

/// The Google Cloud workload identity pools, providers and IAM bindings one file declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcpResources {
    pub pools: Vec<Pool>,
    pub providers: Vec<Provider>,
    pub bindings: Vec<Binding>,
}

impl GcpResources {
    /// Whether the file declares none.
    pub fn is_empty(&self) -> bool {
        self.pools.is_empty() && self.providers.is_empty() && self.bindings.is_empty()
    }

    /// Adds what `other` declares (another document of the same file).
    pub fn extend(&mut self, other: GcpResources) {
        self.pools.extend(other.pools);
        self.providers.extend(other.providers);
        self.bindings.extend(other.bindings);
    }
}

/// A workload identity pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    /// The pool's id (`gitlab-pool`).
    pub id: Option<Spanned<String>>,
    /// `disabled` as written (`true`/`false`), when given.
    pub disabled: Option<Spanned<String>>,
    /// The whole declaration.
    pub span: Span,
}

/// A workload identity pool provider (OIDC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    /// How the input names it: the Terraform address
    /// (`google_iam_workload_identity_pool_provider.main`), or its resource name.
    pub label: String,
    /// The full resource name, `projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/ID`
    /// (placeholders for what the input does not give).
    pub name: Spanned<String>,
    /// The pool id.
    pub pool: Option<Spanned<String>>,
    /// `oidc.issuer_uri`; `None` for a provider that is not OIDC.
    pub issuer: Option<Spanned<String>>,
    /// `oidc.allowed_audiences`: `None` when not given (then the provider's own resource
    /// name is the audience).
    pub audiences: Option<Audiences>,
    pub mapping: Mapping,
    /// `attribute_condition`; `None` when absent (or `null`).
    pub condition: Option<Cel>,
    /// Where a condition that is `null` is written (`attribute_condition =
    /// var.attribute_condition` whose default is `null`): a module's default.
    pub null_condition: Option<Span>,
    /// `disabled` as written, when given.
    pub disabled: Option<Spanned<String>>,
    /// The whole declaration.
    pub span: Span,
}

/// `allowed_audiences`: the values the input determines, and whether some are unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audiences {
    pub values: Vec<Spanned<String>>,
    /// Whether the list (or part of it) is not determined by the input.
    pub symbolic: bool,
    pub span: Span,
}

/// `attribute_mapping`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// Not given.
    Absent,
    /// Given, but not determined by the input (a variable without default, `merge(…)`).
    Unknown(Span),
    /// The entries: target (`google.subject`, `attribute.x`) and its CEL expression.
    Known(Vec<MappingEntry>),
}

/// One entry of an attribute mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingEntry {
    pub target: Spanned<String>,
    pub expression: Cel,
}

impl Mapping {
    /// The entry mapping `target`, when the mapping is known and has one.
    pub fn get(&self, target: &str) -> Option<&MappingEntry> {
        match self {
            Mapping::Known(entries) => entries.iter().find(|e| e.target.value == target),
            _ => None,
        }
    }
}

/// A CEL expression as written: its text, and a map from each byte of the text to the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cel {
    pub text: String,
    map: OffsetMap,
    /// The whole value.
    pub span: Span,
}

impl Cel {
    /// An expression whose bytes map through `map`, written at `span`.
    pub fn new(text: String, map: OffsetMap, span: Span) -> Self {
        Cel { text, map, span }
    }

    /// An expression whose bytes all map to `span`.
    pub fn whole(text: String, span: Span) -> Self {
        Cel {
            text,
            map: OffsetMap::whole(span),
            span,
        }
    }

    /// Whether the input leaves part of the text undetermined (a `${…}` placeholder).
    pub fn is_symbolic(&self) -> bool {
        self.text.contains("${")
    }

    /// The file span of the byte range `start..end` of the text.
    pub fn span_of(&self, start: usize, end: usize) -> Span {
        self.map.span(Span::new(self.span.file, start, end))
    }

    /// The parsed expression.
    pub fn parse(&self) -> Result<cel::Expr, cel::Error> {
        cel::parse(&self.text)
    }
}

/// Where a role is granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// On one service account (`google_service_account_iam_*`).
    ServiceAccount,
    Project,
    Folder,
    Organization,
    /// On another resource (a bucket, a secret, a repository).
    Resource,
    /// Not said by the input (`get-iam-policy` output of an unnamed resource).
    Unknown,
}

/// A role granted to members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// What grants it: the Terraform resource type, `gcloud … add-iam-policy-binding`,
    /// or `get-iam-policy`.
    pub source: String,
    pub scope: Scope,
    /// The service account, project or resource, when the input gives it.
    pub target: Option<Spanned<String>>,
    pub role: Spanned<String>,
    pub members: Vec<Spanned<String>>,
    /// Whether the input leaves some members undetermined (a list built by a `for`).
    pub members_symbolic: bool,
    /// The IAM condition's expression, when there is one.
    pub condition: Option<Spanned<String>>,
    /// The whole declaration.
    pub span: Span,
}

/// A workload identity principal (`principal://…` or `principalSet://…`), parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal<'a> {
    /// The project part (a number, or a project id by mistake, or a placeholder).
    pub project: &'a str,
    pub pool: &'a str,
    pub kind: PrincipalKind<'a>,
}

/// Who in the pool a principal names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalKind<'a> {
    /// `principal://…/subject/S`: tokens whose `google.subject` is S.
    Subject(&'a str),
    /// `principalSet://…/group/G`.
    Group(&'a str),
    /// `principalSet://…/attribute.NAME/VALUE`.
    Attribute(&'a str, &'a str),
    /// `principalSet://…/*`: every identity of the pool.
    All,
}

/// The workload identity principal a member names; `None` for other members
/// (`serviceAccount:`, `user:`, …) and for shapes not recognised.
pub fn principal(member: &str) -> Option<Principal<'_>> {
    let (set, rest) = if let Some(rest) = member.strip_prefix("principal://") {
        (false, rest)
    } else {
        (true, member.strip_prefix("principalSet://")?)
    };
    let rest = rest.strip_prefix("iam.googleapis.com/")?;
    let rest = rest.strip_prefix("projects/")?;
    let (project, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("locations/")?;
    let (_location, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("workloadIdentityPools/")?;
    let (pool, rest) = rest.split_once('/')?;
    let kind = if !set {
        PrincipalKind::Subject(rest.strip_prefix("subject/")?)
    } else if rest == "*" {
        PrincipalKind::All
    } else if let Some(group) = rest.strip_prefix("group/") {
        PrincipalKind::Group(group)
    } else {
        let (name, value) = rest.strip_prefix("attribute.")?.split_once('/')?;
        PrincipalKind::Attribute(name, value)
    };
    Some(Principal {
        project,
        pool,
        kind,
    })
}

/// The full resource name of a provider.
pub fn provider_name(project: &str, pool: &str, provider: &str) -> String {
    format!("projects/{project}/locations/global/workloadIdentityPools/{pool}/providers/{provider}")
}

/// The full resource name of a pool.
pub fn pool_name(project: &str, pool: &str) -> String {
    format!("projects/{project}/locations/global/workloadIdentityPools/{pool}")
}

/// The scope of a `google_<thing>_iam_member|binding|policy` resource type, `None` for
/// other types.
pub fn iam_resource_scope(kind: &str) -> Option<Scope> {
    let thing = ["_iam_member", "_iam_binding", "_iam_policy"]
        .iter()
        .find_map(|suffix| kind.strip_suffix(suffix))?
        .strip_prefix("google_")?;
    Some(match thing {
        "service_account" => Scope::ServiceAccount,
        "project" => Scope::Project,
        "folder" => Scope::Folder,
        "organization" => Scope::Organization,
        _ => Scope::Resource,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals() {
        let pool = "iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gl";
        assert_eq!(
            principal(&format!("principalSet://{pool}/*")).map(|p| p.kind),
            Some(PrincipalKind::All)
        );
        assert_eq!(
            principal(&format!("principalSet://{pool}/attribute.project_id/42")).map(|p| p.kind),
            Some(PrincipalKind::Attribute("project_id", "42"))
        );
        assert_eq!(
            principal(&format!(
                "principal://{pool}/subject/project_path:g/p:ref_type:branch:ref:main"
            ))
            .map(|p| p.kind),
            Some(PrincipalKind::Subject(
                "project_path:g/p:ref_type:branch:ref:main"
            ))
        );
        assert_eq!(principal(&format!("principal://{pool}/*")), None);
        assert_eq!(
            principal("serviceAccount:a@b.iam.gserviceaccount.com"),
            None
        );
        assert_eq!(principal(&format!("principalSet://{pool}")), None);
    }

    #[test]
    fn scopes() {
        assert_eq!(
            iam_resource_scope("google_project_iam_member"),
            Some(Scope::Project)
        );
        assert_eq!(
            iam_resource_scope("google_storage_bucket_iam_binding"),
            Some(Scope::Resource)
        );
        assert_eq!(
            iam_resource_scope("google_service_account_iam_policy"),
            Some(Scope::ServiceAccount)
        );
        assert_eq!(iam_resource_scope("google_service_account"), None);
    }
}
