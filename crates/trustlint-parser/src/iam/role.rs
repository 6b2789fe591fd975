//! The typed, spanned model of IAM roles, named policies and OIDC providers, as read
//! from infrastructure-as-code and account exports (CloudFormation, Terraform, `aws iam`
//! output): [`IamResources`] holds what one file declares.

use crate::iam::policy::PolicyDocument;
use crate::source::Span;
use crate::spanned::Spanned;

/// A policy with its name or ARN when the input gives them: a role's inline policy, a
/// customer managed policy, or a `get-policy-version` document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedPolicy {
    pub name: Option<Spanned<String>>,
    pub arn: Option<Spanned<String>>,
    pub document: PolicyDocument,
}

/// One IAM role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// The span of the whole declaration (resource block, resource map, export object).
    pub span: Span,
    /// The role name (`RoleName`, `name`), else the declaration's logical name.
    pub name: Spanned<String>,
    /// The role's ARN, when the input states it (exports) or it can be derived.
    pub arn: Option<Spanned<String>>,
    /// The trust policy (`AssumeRolePolicyDocument`, `assume_role_policy`), when it
    /// could be read.
    pub trust: Option<PolicyDocument>,
    /// Inline permission policies, including standalone policies attached only to this
    /// role (`AWS::IAM::Policy`, `aws_iam_role_policy`).
    pub inline_policies: Vec<NamedPolicy>,
    /// Attached managed policies, as ARNs (symbolic `${…}` text when not resolvable).
    pub managed_policy_arns: Vec<Spanned<String>>,
    /// The spans of the `managed_policy_arns` whose attachment may not exist: a Terraform
    /// `aws_iam_role_policy_attachment` with a `count` or `for_each` that can't be
    /// evaluated offline (`count = var.admin ? 1 : 0`).
    pub conditional_attachments: Vec<Span>,
    /// `MaxSessionDuration` in seconds, as written.
    pub max_session_duration: Option<Spanned<String>>,
    /// The tags that could be read.
    pub tags: Vec<Tag>,
    /// False when some tags are written but can't be evaluated offline (`tags =
    /// var.tags`, `merge(local.tags, {…})`, `Tags: !Ref Tags`): the role may carry tags
    /// beyond [`Role::tags`].
    pub tags_known: bool,
}

/// Whether an [`Identity`] is an IAM user or group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityKind {
    User,
    Group,
}

impl IdentityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::User => "user",
            IdentityKind::Group => "group",
        }
    }
}

/// An IAM user or group with its permission policies (`UserDetailList` and
/// `GroupDetailList` of `get-account-authorization-details`, CloudFormation
/// `AWS::IAM::User`, Terraform `aws_iam_user` with its policies and attachments).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub kind: IdentityKind,
    /// The span of the whole declaration.
    pub span: Span,
    pub name: Spanned<String>,
    pub arn: Option<Spanned<String>>,
    /// Inline policies (`UserPolicyList`, `GroupPolicyList`; CloudFormation `Policies`,
    /// Terraform `aws_iam_user_policy`).
    pub inline_policies: Vec<NamedPolicy>,
    /// Attached managed policies, as ARNs.
    pub managed_policy_arns: Vec<Spanned<String>>,
    /// The spans of the `managed_policy_arns` whose attachment may not exist (as
    /// [`Role::conditional_attachments`]).
    pub conditional_attachments: Vec<Span>,
}

/// One `Key`/`Value` tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    pub key: Spanned<String>,
    pub value: Spanned<String>,
}

/// An IAM OIDC identity provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OidcProvider {
    pub span: Span,
    /// The declaration's logical name (CloudFormation resource, Terraform label), if any.
    pub logical_name: Option<String>,
    pub arn: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub client_ids: Vec<Spanned<String>>,
    pub thumbprints: Vec<Spanned<String>>,
}

/// Which of the services its policies grant an IAM role used, as of a date: an
/// `aws iam get-service-last-accessed-details` report or an IAM Access Analyzer
/// `UnusedPermission` finding ([`crate::access_report`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceUsage {
    /// The span of the report or finding.
    pub span: Span,
    /// The ARN of the role the finding is about (`resource`); a last-accessed report
    /// names none.
    pub resource: Option<Spanned<String>>,
    /// When the data was computed (`JobCompletionDate`, `analyzedAt`).
    pub as_of: Option<Spanned<String>>,
    /// The Access Analyzer finding's `id`.
    pub finding_id: Option<Spanned<String>>,
    /// The services, with their last access.
    pub services: Vec<ServiceAccess>,
}

/// One service of a [`ServiceUsage`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceAccess {
    /// The service prefix (`s3`).
    pub namespace: Spanned<String>,
    /// When the role last used it; `None` for never (in the tracking period).
    pub last_accessed: Option<Spanned<String>>,
}

/// Everything IAM one input file declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IamResources {
    pub roles: Vec<Role>,
    /// IAM users and groups.
    pub identities: Vec<Identity>,
    /// Policies not tied to exactly one role: managed policies, exported policy versions.
    pub policies: Vec<NamedPolicy>,
    pub providers: Vec<OidcProvider>,
    /// Reports of the services roles used.
    pub usage: Vec<ServiceUsage>,
    /// The other relying parties (Google Cloud, Vault, Azure) the file declares.
    pub federation: crate::federation::Federation,
}

impl Role {
    /// Whether the attachment of `arn` (one of `managed_policy_arns`) may not exist.
    pub fn attachment_is_conditional(&self, arn: &Spanned<String>) -> bool {
        self.conditional_attachments.contains(&arn.span)
    }

    /// The trust policy and every inline policy document.
    pub fn documents(&self) -> impl Iterator<Item = &PolicyDocument> {
        self.trust
            .iter()
            .chain(self.inline_policies.iter().map(|p| &p.document))
    }
}

impl Identity {
    /// Whether the attachment of `arn` (one of `managed_policy_arns`) may not exist.
    pub fn attachment_is_conditional(&self, arn: &Spanned<String>) -> bool {
        self.conditional_attachments.contains(&arn.span)
    }
}

impl IamResources {
    /// Every policy document of the file: role trust and inline policies, the inline
    /// policies of users and groups, then the standalone policies.
    pub fn documents(&self) -> impl Iterator<Item = &PolicyDocument> {
        self.roles
            .iter()
            .flat_map(Role::documents)
            .chain(
                self.identities
                    .iter()
                    .flat_map(|i| i.inline_policies.iter().map(|p| &p.document)),
            )
            .chain(self.policies.iter().map(|p| &p.document))
    }

    /// Who in this file attaches the managed policy `arn`, for messages: "role `a`",
    /// "user `b`", "group `c`", in file order.
    pub fn attached_by(&self, arn: &str) -> Vec<String> {
        let attaches = |arns: &[Spanned<String>]| arns.iter().any(|a| a.value == arn);
        self.roles
            .iter()
            .filter(|r| attaches(&r.managed_policy_arns))
            .map(|r| format!("role `{}`", r.name.value))
            .chain(
                self.identities
                    .iter()
                    .filter(|i| attaches(&i.managed_policy_arns))
                    .map(|i| format!("{} `{}`", i.kind.as_str(), i.name.value)),
            )
            .collect()
    }

    /// The policy of this file with this ARN (an attached managed policy resolved from
    /// the same account export).
    pub fn managed_policy(&self, arn: &str) -> Option<&NamedPolicy> {
        self.policies
            .iter()
            .find(|p| p.arn.as_ref().is_some_and(|a| a.value == arn))
    }

    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
            && self.identities.is_empty()
            && self.policies.is_empty()
            && self.providers.is_empty()
            && self.usage.is_empty()
    }
}
