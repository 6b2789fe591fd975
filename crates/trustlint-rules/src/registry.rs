//! The registry: every rule, keyed by its stable code. Adding a rule means adding it here
//! (and its `rules/<CODE>.md` and fixtures); nothing else changes.

use crate::cross::{
    AudMismatch, IssuerMismatch, OverprivilegedCiRole, SubMismatch, TrustBroaderThanUse,
    UnknownRole,
};
use crate::gitlab::{
    CloudJobOnAnyRef, IdTokenBadAud, IdTokenLeak, IdTokenOverexposed, RemovedCiJobJwt,
    SecretsWithoutToken, StaticCloudCredentials, UndefinedIdToken, UnpinnedInclude,
};
use crate::input::{
    InvalidCiConfig, InvalidPolicy, ParseError, UnrecognisedInput, UnresolvedInclude,
    UnusedSuppression,
};
use crate::permissions::{
    AdminAccess, AllowWithNot, BroadManagedPolicy, ConditionKeyMismatch, CredentialsExposure,
    PassRoleAny, PrivilegeEscalation, RedundantPermission, ResourceExposure, ResourceMismatch,
    SensitiveReadAny, ServiceWildcardAction, UnknownAction, UserAttachedPolicy, WildcardResource,
};
use crate::rule::Rule;
use crate::trust::{
    CiRoleMissingEnvironmentTag, ConditionKeyProviderMismatch, IfExistsOnClaim, LongCiSession,
    OidcSubAnyRef, OidcSubForeignNamespace, OidcTrustMissingAud, OidcTrustMissingSub,
    PartialTrustCheck, RefTypeUnpinned, RoleSpansEnvironments, SetOperatorOnClaim, SubDenyListOnly,
    SubUnmatchable, TrustActionMismatch, TrustAnyPrincipal, TrustNotPrincipal,
    WildcardOperatorMismatch,
};

static RULES: &[&dyn Rule] = &[
    &ParseError,
    &InvalidPolicy,
    &InvalidCiConfig,
    &UnresolvedInclude,
    &UnusedSuppression,
    &UnrecognisedInput,
    &OidcTrustMissingSub,
    &OidcTrustMissingAud,
    &OidcSubForeignNamespace,
    &OidcSubAnyRef,
    &WildcardOperatorMismatch,
    &ConditionKeyProviderMismatch,
    &IfExistsOnClaim,
    &SetOperatorOnClaim,
    &TrustActionMismatch,
    &TrustAnyPrincipal,
    &TrustNotPrincipal,
    &SubDenyListOnly,
    &LongCiSession,
    &CiRoleMissingEnvironmentTag,
    &RoleSpansEnvironments,
    &SubUnmatchable,
    &RefTypeUnpinned,
    &PartialTrustCheck,
    &AdminAccess,
    &ServiceWildcardAction,
    &WildcardResource,
    &AllowWithNot,
    &PrivilegeEscalation,
    &PassRoleAny,
    &UnknownAction,
    &RedundantPermission,
    &SensitiveReadAny,
    &BroadManagedPolicy,
    &ResourceMismatch,
    &ConditionKeyMismatch,
    &CredentialsExposure,
    &ResourceExposure,
    &UserAttachedPolicy,
    &StaticCloudCredentials,
    &RemovedCiJobJwt,
    &IdTokenOverexposed,
    &UndefinedIdToken,
    &IdTokenBadAud,
    &CloudJobOnAnyRef,
    &SecretsWithoutToken,
    &UnpinnedInclude,
    &IdTokenLeak,
    &AudMismatch,
    &SubMismatch,
    &TrustBroaderThanUse,
    &IssuerMismatch,
    &UnknownRole,
    &OverprivilegedCiRole,
];

/// Every rule, sorted by code.
pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

/// The rule with this code (case-insensitive).
pub fn by_code(code: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|rule| rule.meta().code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta;

    #[test]
    fn every_rule_has_metadata_and_every_metadata_a_rule() {
        let rule_codes: Vec<_> = all().iter().map(|r| r.meta().code).collect();
        let meta_codes: Vec<_> = meta::ALL.iter().map(|m| m.code).collect();
        assert_eq!(
            rule_codes, meta_codes,
            "rules and rules/*.md must match, sorted"
        );
    }

    #[test]
    fn lookup() {
        assert!(by_code("tl001").is_some());
        assert!(by_code("tl000").is_none());
    }
}
