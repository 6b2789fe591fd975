//! The grants of a trust policy to OIDC providers and what they admit: finding the
//! statements that let an OIDC provider's tokens assume the role ([`oidc_grants`]), the
//! `sub` (and `aud`) languages they admit after `Deny` carve-outs ([`SubReasoner`]), and
//! the per-grant analysis the trust and cross-file rules read ([`GrantAnalysis`]), whose
//! [`SubVerdict`] fixes the precedence of the `sub` rules so one root cause is reported
//! once:
//!
//! TL106 (no token can satisfy the statement) > TL101 (every token can) > TL112 (only
//! exclusions restrict `sub`) > TL104 (every branch or tag of some project) > TL117 (a
//! ref name without its type) > TL115 (protected and unprotected refs mixed); TL103
//! (foreign namespace) and TL116 (unmatchable value) are skipped when TL106 or TL101
//! fires. TL117 and TL115 judge the role as a whole (the union of its `Allow`
//! statements for one provider, [`GitlabRole`]); the others judge each statement.

use std::sync::{Arc, OnceLock};

use trustlint_parser::iam::placeholder::{has_interpolation, is_placeholder};
use trustlint_parser::iam::{
    BaseOperator, Condition, Effect, OidcProviderArn, PolicyDocument, Principal, Role, Statement,
};
use trustlint_parser::spanned::Spanned;

use super::claim_pins::ClaimPins;
use super::index_in;
use super::provider::{sub_grammar, ProviderKind};
use crate::analysis::condition_eval::{decide, false_when_absent, Decision, RequestContext};
use crate::analysis::glob::{matches_ignore_case, Pattern, VariableSyntax};
use crate::analysis::sub_claim::{Component, RefType};
use crate::analysis::sub_questions::{Bound, SubClause, SubGrammar, SubLanguage, SubOperator};
use crate::settings::Settings;

/// The action an OIDC token assumes a role with.
pub const ASSUME_WITH_WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";

/// An `Allow` statement through which tokens of one OIDC provider can assume the role.
#[derive(Debug)]
pub struct OidcGrant<'a> {
    pub statement: &'a Statement,
    /// The `Federated` value naming the provider.
    pub principal: &'a Spanned<String>,
    pub provider: Arc<OidcProviderArn>,
    pub kind: ProviderKind,
    /// True when `principal` is a placeholder (`${aws_iam_openid_connect_provider.x.arn}`)
    /// and the provider was read from the statement's condition keys (`HOST:sub`).
    pub inferred: bool,
}

impl OidcGrant<'_> {
    /// The related-span message for the `Federated` value: which provider is trusted
    /// (and, for a placeholder, that it was inferred from the condition keys).
    pub fn trusted_here(&self) -> String {
        let host = self.provider.condition_key_prefix();
        if self.inferred {
            format!(
                "`{}` is a placeholder; the condition keys say it is the OIDC provider `{host}`",
                self.principal.value
            )
        } else {
            format!("tokens of `{host}` are trusted here")
        }
    }

    /// The conditions on a key of this provider whose claim can't be resolved offline
    /// (`gitlab.com:${var.match_field}`): each may be the check on `sub` or `aud`, so
    /// neither is known to be missing (TL118 says so, TL101/TL102 stay silent).
    pub fn unknown_claim_conditions(&self) -> impl Iterator<Item = &Condition> + '_ {
        let prefix = self.provider.condition_key_prefix().as_bytes();
        self.statement.conditions.iter().filter(move |c| {
            let key = c.key.value.as_bytes();
            key.get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
                && key.get(prefix.len()) == Some(&b':')
                && c.key
                    .value
                    .get(prefix.len() + 1..)
                    .is_some_and(has_interpolation)
        })
    }

    /// The conditions on this provider's `claim` key (e.g. `sub`), ignoring key case.
    pub fn conditions_on<'c>(&'c self, claim: &'c str) -> impl Iterator<Item = &'c Condition> {
        self.statement
            .conditions
            .iter()
            .filter(move |c| self.provider.is_condition_key(&c.key.value, claim))
    }
}

/// Every (Allow statement, OIDC provider) pair whose actions include
/// `sts:AssumeRoleWithWebIdentity`. A `Federated` placeholder counts as the provider its
/// condition keys name, when they name exactly one.
pub fn oidc_grants<'a>(policy: &'a PolicyDocument, settings: &Settings) -> Vec<OidcGrant<'a>> {
    let mut grants = Vec::new();
    // The principal first: identity policies have none, and matching actions costs more.
    for (statement, principal) in policy
        .statements
        .iter()
        .filter(|statement| statement.is_allow())
        .filter_map(|statement| Some((statement, statement.principal()?)))
        .filter(|(statement, _)| covers_web_identity(statement))
    {
        for value in principal.federated() {
            let (provider, inferred) = match OidcProviderArn::parse(&value.value) {
                // A provider ARN whose host is a placeholder (Terraform's
                // `oidc-provider/${var.url}`) is told by the condition keys when they name
                // one host, as for a placeholder ARN.
                Some(provider) if has_interpolation(provider.condition_key_prefix()) => {
                    match provider_from_keys(statement) {
                        Some(named) => (named, true),
                        None => (provider, false),
                    }
                }
                Some(provider) => (provider, false),
                None if is_placeholder(&value.value) => match provider_from_keys(statement) {
                    Some(provider) => (provider, true),
                    None => continue,
                },
                None => continue,
            };
            grants.push(OidcGrant {
                statement,
                principal: value,
                kind: ProviderKind::of(&provider, settings),
                provider: Arc::new(provider),
                inferred,
            });
        }
    }
    grants
}

/// The `Federated` placeholders of `Allow` statements for web identity whose provider
/// can't be told offline: neither the value nor the statement's condition keys name it
/// (`${aws_iam_openid_connect_provider.x.arn}` with keys `${var.url}:sub`).
/// [`oidc_grants`] leaves such statements out; TL118 reports them.
pub fn unresolved_providers(policy: &PolicyDocument) -> Vec<(&Statement, &Spanned<String>)> {
    policy
        .statements
        .iter()
        .filter(|statement| statement.is_allow() && covers_web_identity(statement))
        .flat_map(|statement| {
            statement
                .principal()
                .into_iter()
                .flat_map(|principal| principal.federated())
                .filter(|value| {
                    !OidcProviderArn::is_one(&value.value)
                        && is_placeholder(&value.value)
                        && provider_from_keys(statement).is_none()
                })
                .map(move |value| (statement, value))
        })
        .collect()
}

/// The first grant of a role's trust to an OIDC provider: the role is trusted by CI.
pub fn first_oidc_grant<'a>(role: &'a Role, settings: &Settings) -> Option<OidcGrant<'a>> {
    oidc_grants(role.trust.as_ref()?, settings)
        .into_iter()
        .next()
}

/// The one OIDC provider whose claim keys (`HOST[/PATH]:sub|aud|amr`) a statement's
/// conditions use, when there is exactly one and it is written out.
fn provider_from_keys(statement: &Statement) -> Option<OidcProviderArn> {
    let mut prefixes = statement
        .conditions
        .iter()
        .filter_map(oidc_claim_prefix)
        .filter(|prefix| !has_interpolation(prefix));
    let first = prefixes.next()?;
    if prefixes.any(|other| !other.eq_ignore_ascii_case(first)) {
        return None;
    }
    Some(OidcProviderArn {
        partition: "aws".to_owned(),
        account: "${account}".to_owned(),
        provider: first.to_owned(),
    })
}

/// Every condition on an OIDC `sub` or `aud` key (of any provider, placeholders such as
/// `${aws_iam_openid_connect_provider.x.url}:sub` included) in the `Allow` statements
/// that let a `Federated` OIDC provider (or a placeholder standing for one) assume the
/// role with web identity.
pub fn claim_conditions(policy: &PolicyDocument) -> Vec<(&Statement, &Condition)> {
    policy
        .statements
        .iter()
        .filter(|statement| {
            statement.is_allow()
                && covers_web_identity(statement)
                && statement.principal().is_some_and(|principal| {
                    principal.federated().any(|value| {
                        OidcProviderArn::is_one(&value.value) || is_placeholder(&value.value)
                    })
                })
        })
        .flat_map(|statement| {
            statement
                .conditions
                .iter()
                .filter(|c| is_sub_or_aud(c))
                .map(move |c| (statement, c))
        })
        .collect()
}

/// Whether a condition is on an OIDC provider's `sub` or `aud` key.
pub fn is_sub_or_aud(condition: &Condition) -> bool {
    oidc_claim_prefix(condition).is_some()
        && condition.key_prefix_and_name().is_some_and(|(_, claim)| {
            claim.eq_ignore_ascii_case("sub") || claim.eq_ignore_ascii_case("aud")
        })
}

/// Whether every condition of the operator block written at `condition`'s operator is
/// on an OIDC `sub`/`aud` key, so rewriting the operator changes nothing else.
pub fn block_is_claims_only(statement: &Statement, condition: &Condition) -> bool {
    statement
        .conditions
        .iter()
        .filter(|c| c.operator.span == condition.operator.span)
        .all(is_sub_or_aud)
}

/// The provider prefix of a condition key on an OIDC claim (`gitlab.com` of
/// `gitlab.com:sub`); `None` for other keys (`aws:SourceIp`).
pub fn oidc_claim_prefix(condition: &Condition) -> Option<&str> {
    let (prefix, claim) = condition.key_prefix_and_name()?;
    let is_oidc_claim = ["sub", "aud", "amr"]
        .iter()
        .any(|c| claim.eq_ignore_ascii_case(c));
    (is_oidc_claim && prefix.contains('.')).then_some(prefix)
}

/// Whether `Action`/`NotAction` covers `sts:AssumeRoleWithWebIdentity` (IAM action
/// patterns are case-insensitive globs).
pub fn covers_web_identity(statement: &Statement) -> bool {
    let Some(block) = &statement.action else {
        return false;
    };
    let listed = block
        .value
        .iter()
        .any(|action| matches_ignore_case(&action.value, ASSUME_WITH_WEB_IDENTITY));
    listed != block.negated
}

/// Whether a statement applies to tokens of `provider`: its `Principal` is `*` or names
/// the provider, or its `NotPrincipal` does not name it.
pub fn applies_to_provider(statement: &Statement, provider: &OidcProviderArn) -> bool {
    let Some(block) = &statement.principal else {
        return false;
    };
    let named = block
        .value
        .oidc_providers()
        .any(|(_, arn)| arn.provider.eq_ignore_ascii_case(&provider.provider));
    match &block.value {
        Principal::Any(_) => !block.negated,
        Principal::Entries(_) => named != block.negated,
    }
}

/// Whether a condition can never hold for a token of `provider` because it requires a
/// key that only another OIDC provider's tokens carry (`other.host:sub`): such a
/// statement admits nobody from `provider` (TL106 reports it). Keys with a placeholder
/// prefix (`${var.url}:sub`), or a provider whose host is one, are symbolic: never
/// foreign.
pub fn requires_foreign_claim(
    condition: &Condition,
    provider: &OidcProviderArn,
    syntax: VariableSyntax,
) -> bool {
    let Some(prefix) = oidc_claim_prefix(condition) else {
        return false;
    };
    !has_interpolation(prefix)
        && !has_interpolation(provider.condition_key_prefix())
        && !prefix.eq_ignore_ascii_case(provider.condition_key_prefix())
        && false_when_absent(condition, syntax)
}

/// How `${…}` reads in `policy`: policy variables only under `2012-10-17`.
pub fn variable_syntax(policy: &PolicyDocument) -> VariableSyntax {
    if policy.supports_policy_variables() {
        VariableSyntax::Substituted
    } else {
        VariableSyntax::Literal
    }
}

/// The `sub` languages of a policy's conditions, exact to IAM's semantics for a claim
/// that every token carries as one value (so `IfExists` and the set qualifiers change
/// nothing).
#[derive(Debug, Clone)]
pub struct SubReasoner {
    grammar: SubGrammar,
}

impl SubReasoner {
    /// A reasoner for one policy: `${…}` are policy variables only in `2012-10-17`.
    pub fn new(grammar: &SubGrammar, policy: &PolicyDocument) -> SubReasoner {
        SubReasoner {
            grammar: grammar.with_variable_syntax(variable_syntax(policy)),
        }
    }

    /// The grammar the languages are built from.
    pub fn grammar(&self) -> &SubGrammar {
        &self.grammar
    }

    /// The subs a statement's conditions on `key` admit; `None` when a condition on the
    /// key uses an operator that is not a string comparison (not modelled) or the
    /// language is too complex.
    pub fn admitted(&self, statement: &Statement, key: &str, bound: Bound) -> Option<SubLanguage> {
        let mut clauses = Vec::new();
        for condition in statement.conditions.iter().filter(|c| c.key_is(key)) {
            match sub_operator(condition) {
                Some(operator) => {
                    let values: Vec<&str> = condition.value_texts().collect();
                    clauses.push(SubClause::new(operator, &values));
                }
                None if condition.operator.value.base == BaseOperator::Null => {
                    // `Null: true` demands the claim be absent: no token qualifies.
                    if condition
                        .value_texts()
                        .any(|v| v.eq_ignore_ascii_case("true"))
                    {
                        return Some(self.grammar.none());
                    }
                }
                None => return None,
            }
        }
        self.grammar.statement(&clauses, bound).ok()
    }

    /// The values of `claim` (`sub`, `aud`) an `Allow` for `grant` admits once every
    /// `Deny` for the same provider and action whose conditions are all on that claim has
    /// taken its share. `None`: not exact.
    pub fn effective(
        &self,
        policy: &PolicyDocument,
        grant: &OidcGrant<'_>,
        claim: &str,
    ) -> Option<SubLanguage> {
        let key = grant.provider.condition_key(claim);
        let mut admitted = self.admitted(grant.statement, &key, Bound::Upper)?;
        for deny in carve_outs(policy, grant, &key) {
            let denied = self.admitted(deny, &key, Bound::Lower)?;
            admitted = admitted.difference(&denied).ok()?;
        }
        Some(admitted)
    }
}

/// The `Deny` statements for the same provider and action whose conditions are all on
/// `key`: the carve-outs [`SubReasoner::effective`] subtracts exactly.
pub fn carve_outs<'a>(
    policy: &'a PolicyDocument,
    grant: &OidcGrant<'_>,
    key: &str,
) -> Vec<&'a Statement> {
    policy
        .statements
        .iter()
        .filter(|s| {
            s.is_deny()
                && covers_web_identity(s)
                && applies_to_provider(s, &grant.provider)
                && s.conditions.iter().all(|c| c.key_is(key))
        })
        .collect()
}

/// One grant and what the `sub` rules conclude about it, in their precedence order
/// (module documentation).
#[derive(Debug)]
pub struct GrantAnalysis<'a> {
    pub grant: OidcGrant<'a>,
    /// The reasoner for this provider's `sub` language (`None`: no grammar available).
    pub reasoner: Option<SubReasoner>,
    /// The subs the grant admits after `Deny` carve-outs, when the statement can be
    /// judged at all (no rejected condition, no foreign claim) and its `sub` conditions
    /// are all string comparisons.
    pub subs: Option<SubLanguage>,
    /// What the statement requires of the token's other claims (`project_id`,
    /// `ref_protected`, keys AWS never fills).
    pub pins: ClaimPins,
    /// True when the statement requires another provider's claim (TL106's case).
    pub foreign: bool,
    /// True when a `Deny` carve-out on `sub` uses a negated operator: it denies every
    /// sub but the listed ones, an allow-list written as a `Deny`.
    pub deny_allow_list: bool,
    memo: Arc<Memo>,
}

/// What the `sub` rules conclude about one grant: the first that holds in their
/// precedence order (module documentation), TL106's case (a statement no token of the
/// provider can satisfy) and grants that can't be judged exactly being [`SubVerdict::Narrower`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubVerdict {
    /// No token satisfies the statement: a condition on a key AWS never fills (TL120),
    /// or id conditions that admit no id together (TL106's case, a foreign provider's
    /// claim, is decided by TL106 itself).
    NoToken,
    /// TL101: every token of the provider satisfies the statement.
    EveryToken,
    /// TL112: only exclusions restrict `sub` (no positive string condition in the
    /// `Allow`, no allow-list written as a `Deny`), yet some token is admitted.
    DenyListOnly,
    /// TL104: every branch (or else every tag) of `project` is admitted, and not only
    /// on protected refs (`ref_protected`). For a grant whose ids pin the projects
    /// ([`ClaimPins::is_tenant_bound`]), `project` is a path the `sub` conditions admit
    /// every ref of, any path when they don't restrict it.
    EveryRef { project: String, ref_type: RefType },
    /// None of these.
    Narrower,
}

/// Answers computed on first use and shared by every rule asking about the same grant.
#[derive(Debug, Default)]
struct Memo {
    verdict: OnceLock<SubVerdict>,
    /// [`GrantAnalysis::positive_sub_values`]: the language of each value of the `sub`
    /// conditions, in their order (`None` for a value left out).
    positive_values: OnceLock<Vec<Option<(SubOperator, SubLanguage)>>>,
    /// [`GitlabRole::unpinned_ref_type`] of the role whose first grant this is.
    unpinned_ref_type: OnceLock<Option<(String, String)>>,
}

/// What is known of one grant without borrowing its policy ([`grant_facts`]).
#[derive(Debug, Clone)]
pub struct GrantFacts {
    place: GrantPlace,
    reasoner: Option<SubReasoner>,
    subs: Option<SubLanguage>,
    pins: ClaimPins,
    foreign: bool,
    deny_allow_list: bool,
    memo: Arc<Memo>,
}

/// Where an [`OidcGrant`] is in its policy, and what was read from it.
#[derive(Debug, Clone)]
struct GrantPlace {
    statement: usize,
    /// Among the statement's `Federated` values.
    principal: usize,
    provider: Arc<OidcProviderArn>,
    kind: ProviderKind,
    inferred: bool,
}

impl GrantPlace {
    fn of(policy: &PolicyDocument, grant: &OidcGrant<'_>) -> Option<GrantPlace> {
        let statement = index_in(&policy.statements, grant.statement)?;
        let principal = grant
            .statement
            .principal()?
            .federated()
            .position(|value| std::ptr::eq(value, grant.principal))?;
        Some(GrantPlace {
            statement,
            principal,
            provider: grant.provider.clone(),
            kind: grant.kind,
            inferred: grant.inferred,
        })
    }

    /// The grant at this place of `policy` (the policy it was found in).
    fn grant_in<'a>(&self, policy: &'a PolicyDocument) -> Option<OidcGrant<'a>> {
        let statement = policy.statements.get(self.statement)?;
        Some(OidcGrant {
            statement,
            principal: statement.principal()?.federated().nth(self.principal)?,
            provider: self.provider.clone(),
            kind: self.kind,
            inferred: self.inferred,
        })
    }
}

/// What [`GrantAnalysis`] knows of every OIDC grant of `policy`, without borrowing it
/// (the analysis context keeps it for the run: [`crate::context::Context::grant_analyses`]).
/// `gitlab` is the `sub` grammar of the configured GitLab (`None`: unavailable).
pub fn grant_facts(
    policy: &PolicyDocument,
    settings: &Settings,
    gitlab: Option<&SubGrammar>,
) -> Vec<GrantFacts> {
    oidc_grants(policy, settings)
        .iter()
        .filter_map(|grant| facts_of(policy, grant, gitlab))
        .collect()
}

/// Whether `policy` has a grant to a federated principal: without one, nothing to
/// analyse (a permissions policy, a service role's trust).
pub fn has_federated_grant(policy: &PolicyDocument) -> bool {
    policy.statements.iter().any(|statement| {
        statement.is_allow()
            && statement
                .principal()
                .is_some_and(|p| p.federated().next().is_some())
    })
}

/// The analysis of every grant `facts` describes, read in `policy` (the policy they
/// were derived from).
pub fn analyses<'a>(facts: &[GrantFacts], policy: &'a PolicyDocument) -> Vec<GrantAnalysis<'a>> {
    facts
        .iter()
        .filter_map(|facts| {
            Some(GrantAnalysis {
                grant: facts.place.grant_in(policy)?,
                reasoner: facts.reasoner.clone(),
                subs: facts.subs.clone(),
                pins: facts.pins.clone(),
                foreign: facts.foreign,
                deny_allow_list: facts.deny_allow_list,
                memo: Arc::clone(&facts.memo),
            })
        })
        .collect()
}

fn facts_of(
    policy: &PolicyDocument,
    grant: &OidcGrant<'_>,
    gitlab: Option<&SubGrammar>,
) -> Option<GrantFacts> {
    let syntax = variable_syntax(policy);
    let foreign = grant
        .statement
        .conditions
        .iter()
        .any(|c| requires_foreign_claim(c, &grant.provider, syntax));
    let reasoner =
        sub_grammar(gitlab, grant.kind).map(|grammar| SubReasoner::new(&grammar, policy));
    let claim_unknown = grant.unknown_claim_conditions().next().is_some();
    let subs = match &reasoner {
        Some(reasoner) if !foreign && !claim_unknown && !grant.statement.conditions_incomplete => {
            reasoner.effective(policy, grant, "sub")
        }
        _ => None,
    };
    let deny_allow_list = carve_outs(policy, grant, &grant.provider.condition_key("sub"))
        .iter()
        .flat_map(|deny| &deny.conditions)
        .any(|c| sub_operator(c).is_some_and(SubOperator::is_negated));
    let pins = if grant.kind.is_gitlab() {
        ClaimPins::of(grant.statement, &grant.provider, syntax)
    } else {
        ClaimPins::default()
    };
    Some(GrantFacts {
        place: GrantPlace::of(policy, grant)?,
        reasoner,
        subs,
        pins,
        foreign,
        deny_allow_list,
        memo: Arc::default(),
    })
}

impl GrantAnalysis<'_> {
    /// The admitted subs when they are known exactly (no policy variable approximated).
    pub fn exact_subs(&self) -> Option<&SubLanguage> {
        self.subs.as_ref().filter(|subs| subs.is_exact())
    }

    /// The exact admitted subs of a GitLab provider.
    pub fn gitlab_subs(&self) -> Option<&SubLanguage> {
        self.exact_subs().filter(|_| self.grant.kind.is_gitlab())
    }

    /// What the `sub` rules conclude about this grant, decided once in their precedence
    /// order (module documentation).
    pub fn verdict(&self) -> &SubVerdict {
        self.memo.verdict.get_or_init(|| {
            if self.pins.denies_every_token() {
                return SubVerdict::NoToken;
            }
            let Some(subs) = self.exact_subs() else {
                return SubVerdict::Narrower;
            };
            if self.pins.is_tenant_bound() {
                // Ids pin the projects: the question is only which of their refs.
                return self.every_ref_verdict(subs);
            }
            if subs.is_all().unwrap_or(false) {
                return SubVerdict::EveryToken;
            }
            let positive = self
                .sub_conditions()
                .any(|c| sub_operator(c).is_some_and(|op| !op.is_negated()));
            if !positive && !self.deny_allow_list && !subs.is_empty() {
                return SubVerdict::DenyListOnly;
            }
            self.every_ref_verdict(subs)
        })
    }

    /// [`SubVerdict::EveryRef`] when the grant admits every branch (or else every tag)
    /// of some project and not only protected refs, else [`SubVerdict::Narrower`].
    fn every_ref_verdict(&self, subs: &SubLanguage) -> SubVerdict {
        if self.pins.protected_only || !self.grant.kind.is_gitlab() {
            return SubVerdict::Narrower;
        }
        [RefType::Branch, RefType::Tag]
            .into_iter()
            .find_map(|ref_type| {
                let project = subs.project_with_every_ref(ref_type).ok().flatten()?;
                Some(SubVerdict::EveryRef { project, ref_type })
            })
            .unwrap_or(SubVerdict::Narrower)
    }

    /// TL101: every token of the provider satisfies the statement.
    pub fn admits_every_token(&self) -> bool {
        *self.verdict() == SubVerdict::EveryToken
    }

    /// TL112: no positive string condition on `sub` in the `Allow` (only `StringNot…`
    /// exclusions, or `Deny` carve-outs with positive operators), yet some but not every
    /// token is admitted.
    pub fn deny_list_only(&self) -> bool {
        *self.verdict() == SubVerdict::DenyListOnly
    }

    /// TL104: a project every branch (or else every tag) of which is admitted, unless
    /// TL101 or TL112 fires.
    pub fn every_ref(&self) -> Option<(String, RefType)> {
        match self.verdict() {
            SubVerdict::EveryRef { project, ref_type } => Some((project.clone(), *ref_type)),
            _ => None,
        }
    }

    /// The conditions on this provider's `sub`.
    pub fn sub_conditions(&self) -> impl Iterator<Item = &Condition> {
        self.grant.conditions_on("sub")
    }

    /// The values of positive string conditions on `sub` (`StringEquals`, `StringLike`,
    /// `…IgnoreCase`, with any qualifier), each with its operator and the language of
    /// that value alone; values holding placeholders or policy variables are left out.
    pub fn positive_sub_values(&self) -> Vec<SubValue<'_>> {
        let Some(reasoner) = &self.reasoner else {
            return Vec::new();
        };
        let values = || {
            self.sub_conditions()
                .filter_map(|c| Some((sub_operator(c).filter(|op| !op.is_negated())?, c)))
                .flat_map(|(operator, c)| c.values.iter().map(move |v| (operator, v)))
        };
        let languages = self.memo.positive_values.get_or_init(|| {
            let grammar = reasoner.grammar();
            values()
                .map(|(operator, value)| {
                    if has_interpolation(&value.value) || is_placeholder(&value.value) {
                        return None;
                    }
                    let language = grammar
                        .clause(operator, &[value.value.as_str()], Bound::Upper)
                        .ok()?;
                    Some((operator, language))
                })
                .collect()
        });
        values()
            .zip(languages)
            .filter_map(|((_, value), computed)| {
                let (operator, language) = computed.clone()?;
                Some(SubValue {
                    value,
                    operator,
                    language,
                })
            })
            .collect()
    }
}

/// The grants of one GitLab provider in one policy: what the role as a whole admits
/// from that provider (the union over its `Allow` statements) decides TL115 and TL117.
#[derive(Debug)]
pub struct GitlabRole<'r, 'a> {
    pub grants: Vec<&'r GrantAnalysis<'a>>,
    /// The union of the grants' exact admitted subs (grants not known exactly add
    /// nothing, so whatever this holds is surely admitted).
    pub subs: SubLanguage,
}

/// The analyses grouped by GitLab provider, in order of first appearance, without the
/// grants that admit only protected refs; `None` for a provider whose grants already
/// fire TL120, TL101, TL112 or TL104 (the stronger finding).
pub fn gitlab_roles<'r, 'a>(analyses: &'r [GrantAnalysis<'a>]) -> Vec<GitlabRole<'r, 'a>> {
    let mut groups: Vec<Vec<&'r GrantAnalysis<'a>>> = Vec::new();
    // A grant admitting only protected refs (`ref_protected`) mixes nothing in.
    for analysis in analyses
        .iter()
        .filter(|a| a.grant.kind.is_gitlab() && !a.pins.protected_only)
    {
        let provider = &analysis.grant.provider.provider;
        match groups.iter_mut().find(|g| {
            g.first()
                .is_some_and(|first| first.grant.provider.provider.eq_ignore_ascii_case(provider))
        }) {
            Some(group) => group.push(analysis),
            None => groups.push(vec![analysis]),
        }
    }
    groups
        .into_iter()
        .filter(|group| !group.iter().any(|a| *a.verdict() != SubVerdict::Narrower))
        .filter_map(|grants| {
            let mut languages = grants.iter().filter_map(|a| a.gitlab_subs());
            let mut subs = languages.next()?.clone();
            for language in languages {
                subs = subs.union(language).ok()?;
            }
            Some(GitlabRole { grants, subs })
        })
        .collect()
}

impl GitlabRole<'_, '_> {
    /// TL117: an admitted branch sub and the sub of a same-named tag that is admitted
    /// too (the same string when the claim has no `ref_type`).
    /// (Computed once per role: TL115 and TL117 both ask.)
    pub fn unpinned_ref_type(&self) -> Option<(String, String)> {
        let first = self.grants.first()?;
        first
            .memo
            .unpinned_ref_type
            .get_or_init(|| {
                let components = first.reasoner.as_ref()?.grammar().components();
                if components.contains(Component::Ref) && !components.contains(Component::RefType) {
                    let example = self.subs.example().ok().flatten()?;
                    return Some((example.clone(), example));
                }
                self.subs.same_name_branch_and_tag().ok().flatten()
            })
            .clone()
    }

    /// The values of every grant's positive `sub` conditions, with their grant.
    pub fn values(&self) -> Vec<(&GrantAnalysis<'_>, SubValue<'_>)> {
        self.grants
            .iter()
            .flat_map(|a| a.positive_sub_values().into_iter().map(move |v| (*a, v)))
            .collect()
    }
}

/// One value of a positive `sub` condition and the subs it alone matches.
#[derive(Debug)]
pub struct SubValue<'a> {
    pub value: &'a Spanned<String>,
    pub operator: SubOperator,
    pub language: SubLanguage,
}

impl SubValue<'_> {
    /// The pattern as the `sub` grammar reads it.
    pub fn pattern(&self, syntax: VariableSyntax) -> Pattern {
        Pattern::parse(&self.value.value, self.operator.pattern_operator(), syntax)
    }

    /// Whether the pattern has wildcards ([`Pattern::has_wildcards`], without parsing
    /// a value that cannot hold a variable).
    pub fn has_wildcards(&self, syntax: VariableSyntax) -> bool {
        Pattern::has_wildcards_of(&self.value.value, self.operator.pattern_operator(), syntax)
    }
}

/// The string operator of a condition on `sub`, if it is one.
pub fn sub_operator(condition: &Condition) -> Option<SubOperator> {
    Some(match condition.operator.value.base {
        BaseOperator::StringEquals => SubOperator::Equals,
        BaseOperator::StringNotEquals => SubOperator::NotEquals,
        BaseOperator::StringEqualsIgnoreCase => SubOperator::EqualsIgnoreCase,
        BaseOperator::StringNotEqualsIgnoreCase => SubOperator::NotEqualsIgnoreCase,
        BaseOperator::StringLike => SubOperator::Like,
        BaseOperator::StringNotLike => SubOperator::NotLike,
        _ => return None,
    })
}

/// The provider (`HOST[/PATH]`) of the pipeline's tokens: the configured issuer URL
/// without its scheme and trailing `/`.
pub fn issuer_provider(settings: &Settings) -> String {
    bare_url(&settings.issuer()).to_owned()
}

/// A provider URL as a condition-key prefix: `https://gitlab.com/` → `gitlab.com`.
pub fn bare_url(url: &str) -> &str {
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url)
        .trim_end_matches('/')
}

/// The grants of `trust` for the pipeline's issuer.
pub fn issuer_grants<'p>(trust: &'p PolicyDocument, settings: &Settings) -> Vec<OidcGrant<'p>> {
    let issuer = issuer_provider(settings);
    oidc_grants(trust, settings)
        .into_iter()
        .filter(|g| g.provider.provider.eq_ignore_ascii_case(&issuer))
        .collect()
}

/// Whether a grant's conditions on `aud`, after the `Deny` statements on `aud` alone,
/// may accept a token with these audiences (its other conditions are other rules' part).
pub fn aud_accepted(trust: &PolicyDocument, grant: &OidcGrant<'_>, audiences: &[&str]) -> bool {
    let key = grant.provider.condition_key("aud");
    let allow: Vec<Condition> = grant.conditions_on("aud").cloned().collect();
    let denies: Vec<Vec<Condition>> = carve_outs(trust, grant, &key)
        .into_iter()
        .map(|deny| deny.conditions.clone())
        .collect();
    let statements = std::iter::once((Effect::Allow, allow.as_slice()))
        .chain(denies.iter().map(|d| (Effect::Deny, d.as_slice())));
    let request = RequestContext::new().with_values(&key, audiences);
    !matches!(
        decide(statements, &request, variable_syntax(trust)),
        Decision::ExplicitDeny | Decision::ImplicitDeny
    )
}
