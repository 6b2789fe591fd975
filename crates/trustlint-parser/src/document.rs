//! What loading a file gives: its [`InputKind`] and [`Content`] (the typed model) in a
//! [`Document`] with the problems found, and how the file reached the run
//! ([`Discovery`]). The loaders ([`crate::input`], [`crate::iac`]) produce them.

use crate::gitlab::Pipeline;
use crate::iam::role::IamResources;
use crate::iam::PolicyDocument;
use crate::problem::Problem;
use crate::source::FileId;

/// The kinds of input trustlint reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputKind {
    GitlabCi,
    IamPolicy,
    CloudFormation,
    Terraform,
    /// `aws iam get-role`, `get-role-policy`, `get-policy-version` or
    /// `get-account-authorization-details` output.
    AwsExport,
    /// `gcloud iam workload-identity-pools providers describe` / `get-iam-policy` output
    /// or a Config Connector IAM manifest (JSON or YAML).
    GcpExport,
    /// `vault read -format=json auth/<path>/role/<name>` output: a Vault JWT role.
    VaultExport,
    /// A shell script (`*.sh`) whose commands configure a relying party (`vault write
    /// auth/…/role/…`, `gcloud iam workload-identity-pools …`, `az ad app
    /// federated-credential create …`).
    Script,
    /// Azure's own JSON: an ARM template (compiled Bicep) with managed identities,
    /// federated identity credentials or role assignments, or a Microsoft Graph
    /// federated identity credential body.
    Azure,
    /// A path named for checking that holds none of the kinds above: it is reported
    /// (`TL006`), never skipped in silence.
    Unrecognised,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::GitlabCi => "gitlab-ci",
            InputKind::IamPolicy => "iam-policy",
            InputKind::CloudFormation => "cloudformation",
            InputKind::Terraform => "terraform",
            InputKind::AwsExport => "aws-export",
            InputKind::GcpExport => "gcp-export",
            InputKind::VaultExport => "vault-export",
            InputKind::Script => "script",
            InputKind::Azure => "azure",
            InputKind::Unrecognised => "unrecognised",
        }
    }
}

/// What a file turned out to hold.
#[derive(Debug)]
pub enum Content {
    /// A GitLab CI configuration, resolved and typed (includes read, when the load had
    /// a [`crate::gitlab::IncludeReader`]).
    GitlabCi(Box<Pipeline>),
    /// An IAM policy document (trust or permissions).
    IamPolicy(PolicyDocument),
    /// Roles, policies and OIDC providers (CloudFormation, Terraform, `aws iam` exports),
    /// and the other relying parties a file declares ([`crate::federation`]).
    Iam(Box<IamResources>),
    /// The file could not be parsed; its problems say why.
    Unparsed,
}

/// One loaded input file.
#[derive(Debug)]
pub struct Document {
    pub file: FileId,
    pub kind: InputKind,
    pub content: Content,
    /// Parse and validation problems, in the order found.
    pub problems: Vec<Problem>,
}

/// How a file reached the run: named on the command line (or forced with `--kind`), or
/// found while walking a folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Discovery {
    Named,
    Walked,
}
