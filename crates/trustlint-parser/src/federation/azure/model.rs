//! The model: credentials, the identities holding them, role assignments; every value
//! with its span.

use crate::embedded::OffsetMap;
use crate::source::Span;
use crate::spanned::Spanned;

/// The Entra federated identity credentials and Azure role assignments one file declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AzureResources {
    pub credentials: Vec<Credential>,
    pub identities: Vec<Identity>,
    pub role_assignments: Vec<RoleAssignment>,
}

impl AzureResources {
    /// Whether the file declares none.
    pub fn is_empty(&self) -> bool {
        self.credentials.is_empty()
            && self.identities.is_empty()
            && self.role_assignments.is_empty()
    }
}

/// Where a credential was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `azuread_application_federated_identity_credential`.
    TerraformApplication,
    /// `azuread_application_flexible_federated_identity_credential`.
    TerraformFlexible,
    /// `azurerm_federated_identity_credential` (a managed identity).
    TerraformManagedIdentity,
    /// A Graph request body in Terraform (`jsonencode({…})` for `az rest` or `azapi`).
    TerraformBody,
    /// An ARM template resource `…/federatedIdentityCredentials`.
    Arm,
    /// A Microsoft Graph request body (a JSON file or an inline `--parameters`/`--body`).
    Graph,
    /// `az identity federated-credential create` flags.
    Cli,
}

/// What holds a credential, or what a role assignment is granted to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holder {
    /// A Terraform resource or data source by address (`azuread_application.ci`).
    Address(String),
    /// An id, client id, name or ARM expression, as written.
    Written(String),
}

impl Holder {
    pub fn text(&self) -> &str {
        match self {
            Holder::Address(text) | Holder::Written(text) => text,
        }
    }
}

/// A federated identity credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    pub origin: Origin,
    /// The app registration or managed identity holding it, when the file says.
    pub holder: Option<Spanned<Holder>>,
    pub name: Option<Spanned<String>>,
    pub issuer: Option<Spanned<String>>,
    pub subject: Option<Spanned<String>>,
    /// The audiences (Terraform's `audience` singular included); `None` when not given.
    pub audiences: Option<Spanned<Vec<Spanned<String>>>>,
    /// A flexible credential's `claimsMatchingExpression`.
    pub expression: Option<ClaimsExpression>,
    /// Declared once for many (`count`, `for_each`): its values hold `${count.index}`-like
    /// placeholders and it counts as an unknown number of credentials.
    pub repeated: bool,
    /// The whole resource or body.
    pub span: Span,
}

/// A `claimsMatchingExpression`: its text and how its offsets map to the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimsExpression {
    pub value: Spanned<String>,
    pub map: OffsetMap,
    pub language_version: Option<Spanned<String>>,
}

impl ClaimsExpression {
    /// The file span of a byte range of the expression text.
    pub fn span_of(&self, range: std::ops::Range<usize>) -> Span {
        self.map
            .span(Span::new(self.value.span.file, range.start, range.end))
    }
}

/// Which kind of identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityKind {
    /// An app registration (`azuread_application`, `azuread_application_registration`).
    Application,
    /// A service principal of an app registration.
    ServicePrincipal,
    /// A user-assigned managed identity.
    ManagedIdentity,
}

/// An app registration, service principal or managed identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub kind: IdentityKind,
    /// How credentials and role assignments refer to it (a Terraform address, an ARM
    /// resource name).
    pub key: String,
    pub name: Option<Spanned<String>>,
    /// A service principal's application, by its key.
    pub application: Option<String>,
    /// The client (application) id when written literally.
    pub client_id: Option<Spanned<String>>,
    pub span: Span,
}

/// An Azure role assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleAssignment {
    pub scope: Option<Spanned<String>>,
    /// The role's name or definition id (a built-in role's GUID is recognised by rules).
    pub role: Option<Spanned<String>>,
    pub principal: Option<Spanned<Holder>>,
    pub span: Span,
}
