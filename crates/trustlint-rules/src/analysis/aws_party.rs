//! An AWS role's trust policy as a [`RelyingParty`]: the tokens of the pipeline's issuer
//! it accepts (some `Allow` statement for that OIDC provider's web identity), the
//! audiences it accepts (the provider's client-id list, when scanned, and the trust's
//! `:aud` conditions) and its [`Predicate`] over the token's claims: the `Allow`
//! statements for the provider (OR), each its whole condition block (AND), minus the
//! `Deny` statements that apply to the provider's web identity.
//!
//! Each condition translates to a predicate exactly as AWS evaluates it on a token whose
//! claims are single strings (every claim AWS reads for a GitLab provider is one,
//! `aud` aside, whose lists the audience check handles): a key AWS populates from a claim
//! is a test on that claim; a key of the provider that AWS never fills is absent from
//! every request, so the condition is the constant it takes on an absent key; `Null`
//! tests presence; `…IfExists` and the set qualifiers decide the absent case. A value
//! trustlint can't know offline (a placeholder, a policy variable), a key of no OIDC
//! provider (`aws:SourceIp`) and the operators of other value types are
//! [`Predicate::Unknown`]: a partial check, never a guess.

use std::sync::Arc;

use trustlint_parser::iam::placeholder::{has_interpolation, is_placeholder};
use trustlint_parser::iam::{
    BaseOperator, Condition, OidcProvider, OperatorFamily, PolicyDocument,
};
use trustlint_parser::input::Workspace;
use trustlint_parser::Span;

use super::automaton::{Dfa, Expr};
use super::claim_predicate::{Predicate, Test, Values};
use super::claims::{aws_key, AwsKey};
use super::condition_eval::{absent_result, evaluate, RequestContext, Truth};
use super::glob::{Case, Operator, Pattern, VariableApprox, VariableSyntax};
use super::grants::{
    applies_to_provider, aud_accepted, bare_url, covers_web_identity, issuer_grants,
    issuer_provider, variable_syntax, OidcGrant,
};
use super::link::providers;
use super::relying_party::RelyingParty;
use crate::settings::Settings;

/// A role's trust policy (when scanned) as the relying party of the pipeline's issuer:
/// its [`TrustTerms`] (shared by every job that assumes the role with the same token
/// audiences) and where the job names the role.
#[derive(Debug)]
pub struct AwsTrust<'a> {
    terms: Arc<TrustTerms<'a>>,
    span: Span,
}

/// What a trust policy accepts from the pipeline's issuer for a token of given audiences:
/// its grants and its [`Predicate`]. Those of a scanned policy are built once and shared
/// (through an [`Arc`]) by the jobs that assume the role.
#[derive(Debug)]
pub struct TrustTerms<'a> {
    policy: Option<&'a PolicyDocument>,
    /// The `Allow` statements for the issuer's provider.
    grants: Vec<OidcGrant<'a>>,
    /// The issuer's OIDC provider among the scanned files, when there.
    provider: Option<&'a OidcProvider>,
    /// The provider's condition-key prefix (`gitlab.com`).
    issuer: String,
    /// Whether a `Federated` placeholder no key names may be the issuer's provider.
    unknown_provider: bool,
    predicate: Predicate,
}

impl<'a> TrustTerms<'a> {
    /// The terms of the trust `policy` (of a role named at `span`; `None` when no scanned
    /// file holds it: the predicate is then unknown there, and the terms depend on `span`
    /// only then) for the tokens of `settings`' issuer; `provider` is that issuer's OIDC
    /// provider among the scanned files ([`issuer_oidc_provider`]). `audiences` are the
    /// `aud` values of the job's token, which the trust's `:aud` conditions are evaluated
    /// on as AWS does (a multivalued key); `None` when unknown (built from variables):
    /// those conditions then count as met, TL401 notes the audience.
    pub fn new(
        policy: Option<&'a PolicyDocument>,
        provider: Option<&'a OidcProvider>,
        span: Span,
        audiences: Option<&[String]>,
        settings: &Settings,
    ) -> TrustTerms<'a> {
        let grants = policy.map_or_else(Vec::new, |policy| issuer_grants(policy, settings));
        let issuer = issuer_provider(settings);
        let predicate = match policy {
            Some(policy) => trust_predicate(policy, &grants, &issuer, audiences),
            None => Predicate::Unknown {
                span,
                why: "the role's trust policy is not among the scanned files".to_owned(),
            },
        };
        TrustTerms {
            policy,
            unknown_provider: policy.is_some_and(has_unknown_provider),
            grants,
            provider,
            issuer,
            predicate,
        }
    }
}

impl<'a> AwsTrust<'a> {
    /// The trust of a role named at `span` whose policy's terms are `terms`
    /// ([`TrustTerms::new`]), which may be shared with other jobs that assume the role.
    pub fn new(terms: Arc<TrustTerms<'a>>, span: Span) -> AwsTrust<'a> {
        AwsTrust { terms, span }
    }

    /// The `Allow` statements for the issuer's provider.
    pub fn grants(&self) -> &[OidcGrant<'a>] {
        &self.terms.grants
    }
}

impl RelyingParty for AwsTrust<'_> {
    fn describe(&self) -> String {
        "the role's trust policy".to_owned()
    }

    fn span(&self) -> Span {
        self.span
    }

    fn accepts_issuer(&self, iss: &str) -> Option<bool> {
        let terms = &self.terms;
        terms.policy?;
        if !bare_url(iss).eq_ignore_ascii_case(&terms.issuer) {
            return Some(false);
        }
        if !terms.grants.is_empty() {
            Some(true)
        } else if terms.unknown_provider {
            None
        } else {
            Some(false)
        }
    }

    fn accepts_audience(&self, aud: &str) -> Option<bool> {
        self.accepts_token_audiences(&[aud])
    }

    /// STS checks the token's audiences twice: one must be among the provider's client
    /// ids (when the provider is scanned), and the trust's `:aud` conditions evaluate
    /// the list as a multivalued key.
    fn accepts_token_audiences(&self, auds: &[&str]) -> Option<bool> {
        if self.refused_by_client_ids(auds) {
            return Some(false);
        }
        let policy = self.terms.policy?;
        let grants = &self.terms.grants;
        Some(grants.is_empty() || grants.iter().any(|grant| aud_accepted(policy, grant, auds)))
    }

    fn audiences_span(&self) -> Span {
        self.grants()
            .iter()
            .flat_map(|grant| grant.conditions_on("aud"))
            .map(|condition| condition.values_span)
            .next()
            .unwrap_or(self.span)
    }

    fn predicate(&self) -> &Predicate {
        &self.terms.predicate
    }
}

impl AwsTrust<'_> {
    /// Whether the scanned provider lists client ids (all written out) and none of
    /// `auds`: STS answers "Incorrect token audience" before reading the trust.
    pub fn refused_by_client_ids(&self, auds: &[&str]) -> bool {
        self.terms.provider.is_some_and(|provider| {
            let ids: Vec<&str> = provider
                .client_ids
                .iter()
                .map(|c| c.value.as_str())
                .collect();
            !ids.is_empty()
                && !ids.iter().any(|id| is_placeholder(id))
                && !auds.iter().any(|aud| ids.contains(aud))
        })
    }

    /// The scanned provider of the pipeline's issuer, when there.
    pub fn provider(&self) -> Option<&OidcProvider> {
        self.terms.provider
    }
}

/// The OIDC provider of the pipeline's issuer among the scanned files.
pub fn issuer_oidc_provider<'w>(
    workspace: &'w Workspace,
    settings: &Settings,
) -> Option<&'w OidcProvider> {
    let issuer = issuer_provider(settings);
    providers(workspace).into_iter().find(|p| {
        p.url
            .as_ref()
            .is_some_and(|url| bare_url(&url.value).eq_ignore_ascii_case(&issuer))
    })
}

/// Whether some statement lets a provider that is not written out (a placeholder such as
/// `${aws_iam_openid_connect_provider.gitlab.arn}` whose keys don't name it either)
/// assume the role with web identity: it may be the issuer.
pub fn has_unknown_provider(trust: &PolicyDocument) -> bool {
    trust
        .statements
        .iter()
        .filter(|s| s.is_allow() && covers_web_identity(s))
        .filter_map(|s| s.principal())
        .any(|principal| {
            principal
                .federated()
                .any(|value| is_placeholder(&value.value))
        })
}

/// The grants' statements (OR of their condition blocks) minus the applicable `Deny`s.
fn trust_predicate(
    policy: &PolicyDocument,
    grants: &[OidcGrant<'_>],
    issuer: &str,
    audiences: Option<&[String]>,
) -> Predicate {
    let syntax = variable_syntax(policy);
    let block = |conditions: &[Condition]| {
        Predicate::and(
            conditions
                .iter()
                .map(|condition| condition_predicate(condition, issuer, audiences, syntax))
                .collect(),
        )
    };
    let allow = Predicate::or(
        grants
            .iter()
            .map(|grant| block(&grant.statement.conditions))
            .collect(),
    );
    let Some(provider) = grants.first().map(|grant| &grant.provider) else {
        return allow;
    };
    let denies: Vec<Predicate> = policy
        .statements
        .iter()
        .filter(|s| s.is_deny())
        .filter(|s| covers_web_identity(s) && applies_to_provider(s, provider))
        .map(|s| block(&s.conditions))
        .collect();
    if denies.is_empty() {
        allow
    } else {
        Predicate::and(vec![allow, Predicate::not(Predicate::or(denies))])
    }
}

/// One condition on a token of the provider `issuer` whose `aud` is `audiences`.
pub fn condition_predicate(
    condition: &Condition,
    issuer: &str,
    audiences: Option<&[String]>,
    syntax: VariableSyntax,
) -> Predicate {
    let span = condition.values_span;
    let operator = condition.operator.value;
    let claim = match aws_key(issuer, &condition.key.value) {
        AwsKey::Claim(claim) if claim.name == "aud" => {
            let Some(audiences) = audiences else {
                return Predicate::Const(true);
            };
            let request = RequestContext::new().with_values(&condition.key.value, audiences);
            return match evaluate(condition, &request, syntax) {
                Truth::True => Predicate::Const(true),
                Truth::False => Predicate::Const(false),
                Truth::Unknown => unknown_value(condition),
            };
        }
        AwsKey::Claim(claim) => claim.name,
        AwsKey::Amr | AwsKey::Unpopulated { .. } => {
            return absent(condition);
        }
        AwsKey::NotProviderKey => {
            return Predicate::Unknown {
                span: condition.key.span,
                why: format!(
                    "`{}` is not a claim of the pipeline's tokens: its value is only known when STS evaluates the request",
                    condition.key.value
                ),
            };
        }
    };
    let present = Predicate::Test(Test {
        claim: claim.to_owned(),
        values: Values::Present,
        span,
    });
    if operator.base == BaseOperator::Null {
        return Predicate::or(
            condition
                .values
                .iter()
                .map(|value| match value.value.to_ascii_lowercase().as_str() {
                    _ if is_placeholder(&value.value) => unknown_value(condition),
                    "true" => Predicate::not(present.clone()),
                    "false" => present.clone(),
                    _ => Predicate::Const(false),
                })
                .collect(),
        );
    }
    let Some((values, symbolic)) = values_of(condition, syntax) else {
        return unknown_value(condition);
    };
    let mut matched = vec![Predicate::Test(Test {
        claim: claim.to_owned(),
        values,
        span,
    })];
    if symbolic {
        matched.push(unknown_value(condition));
    }
    let matched = Predicate::or(matched);
    let holds = if operator.is_negated() {
        Predicate::not(matched)
    } else {
        matched
    };
    if absent_result(operator) {
        Predicate::or(vec![Predicate::not(present), holds])
    } else {
        Predicate::and(vec![present, holds])
    }
}

/// The condition on a key absent from every request.
fn absent(condition: &Condition) -> Predicate {
    let operator = condition.operator.value;
    if operator.base == BaseOperator::Null {
        return Predicate::Const(
            condition
                .values
                .iter()
                .any(|v| v.value.eq_ignore_ascii_case("true")),
        );
    }
    Predicate::Const(absent_result(operator))
}

fn unknown_value(condition: &Condition) -> Predicate {
    Predicate::Unknown {
        span: condition.values_span,
        why: format!(
            "a value of the condition on `{}` is only known when the policy is deployed",
            condition.key.value
        ),
    }
}

/// The union of the languages the condition's known values match, in the operator's
/// positive form, and whether some value is symbolic (a placeholder or a policy
/// variable: it may match anything); `None` when the operator compares another type.
fn values_of(condition: &Condition, syntax: VariableSyntax) -> Option<(Values, bool)> {
    let base = condition.operator.value.base;
    let (operator, case) = match base.family() {
        OperatorFamily::String => (
            if base.is_pattern() {
                Operator::Like
            } else {
                Operator::Equals
            },
            if base.is_case_insensitive() {
                Case::Insensitive
            } else {
                Case::Sensitive
            },
        ),
        OperatorFamily::Bool => (Operator::Equals, Case::Insensitive),
        _ => return None,
    };
    let mut parts = Vec::new();
    let mut symbolic = false;
    for value in &condition.values {
        let text = &value.value;
        let pattern = Pattern::parse(text, operator, syntax);
        let unknown = match (base.family(), syntax) {
            (OperatorFamily::String, VariableSyntax::Substituted) => {
                pattern.has_variables() || (!has_interpolation(text) && is_placeholder(text))
            }
            _ => is_placeholder(text),
        };
        if unknown {
            symbolic = true;
        } else {
            parts.push(pattern.to_expr(case, VariableApprox::NoMatch));
        }
    }
    let dfa = Dfa::from_expr(&Expr::Alt(parts)).ok()?;
    let written: Vec<String> = condition
        .values
        .iter()
        .map(|v| format!("`{}`", v.value))
        .collect();
    let describe = format!("{} {}", condition.operator.value, written.join(" or "));
    Some((Values::Language { dfa, describe }, symbolic))
}
