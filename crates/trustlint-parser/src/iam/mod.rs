//! The typed, spanned model of AWS IAM policy documents (identity policies and role trust
//! policies) and its loader from the spanned tree, which reports what AWS would reject.
//!
//! - [`policy`]: [`PolicyDocument`]; [`statement`]: [`Statement`], [`Effect`], [`Block`];
//! - [`principal`]: [`Principal`]; [`condition`]: [`Condition`];
//!   [`operator`]: [`ConditionOperator`];
//! - [`arn`]: ARN shapes and [`OidcProviderArn`]; [`action`]: action-name shape;
//!   [`date`]: `Date…` values; [`placeholder`]: symbolic values that are never errors; [`intrinsic`]:
//!   CloudFormation functions as `${…}` text;
//! - [`load`]: [`load_policy`], the TL002 checks.

pub mod action;
pub mod arn;
pub mod condition;
pub mod date;
pub mod intrinsic;
pub mod load;
pub mod operator;
pub mod placeholder;
pub mod policy;
pub mod principal;
pub mod role;
pub mod statement;

pub use arn::OidcProviderArn;
pub use condition::Condition;
pub use load::load_policy;
pub use operator::{BaseOperator, ConditionOperator, OperatorError, OperatorFamily, SetQualifier};
pub use policy::PolicyDocument;
pub use principal::{Principal, PrincipalEntry, PrincipalKind};
pub use role::{
    IamResources, Identity, IdentityKind, NamedPolicy, OidcProvider, Role, ServiceAccess,
    ServiceUsage, Tag,
};
pub use statement::{ActionBlock, Block, Effect, PrincipalBlock, ResourceBlock, Statement};
