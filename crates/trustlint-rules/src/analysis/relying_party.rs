//! A relying party — whatever exchanges a GitLab ID token for access: a GCP workload
//! identity provider with its bindings, a Vault JWT role, an Entra federated credential —
//! seen the same way by every cross-file rule: the issuer and audiences it accepts and
//! its [`Predicate`] over the token's claims ([`RelyingParty`]). The joins between a job
//! and a relying party are written once here:
//!
//! - [`issuer_verdict`]: does it trust the issuer of the pipeline's tokens?
//! - [`audience_verdict`]: does it accept one of the `aud` values the job's token carries?
//! - [`admission`]: on which of the job's run cases ([`JobRuns`]) does the token satisfy
//!   the predicate — every case, some (a warning), or none (an error: refused every time)?
//!
//! Each provider's rules (TL506/TL507, TL602/TL606, TL701/TL702) only find the pairs
//! (which job presents its token to which relying party) and word the verdicts.

use trustlint_parser::gitlab::Job;
use trustlint_parser::Span;

use super::claim_predicate::{issuer, satisfying, ClaimSpace, Predicate, Satisfiable, Token};
use super::job_runs::{JobRuns, RunCase};
use crate::settings::Settings;

/// One relying party's trust in GitLab tokens.
pub trait RelyingParty {
    /// What messages call it: ``Vault role `deploy` (auth/jwt)``.
    fn describe(&self) -> String;

    /// Where it is declared.
    fn span(&self) -> Span;

    /// Whether it accepts tokens issued by `iss` (`None`: unknown, e.g. a variable).
    fn accepts_issuer(&self, iss: &str) -> Option<bool>;

    /// Whether it accepts a token carrying `aud` (`None`: unknown).
    fn accepts_audience(&self, aud: &str) -> Option<bool>;

    /// Where its accepted audiences are written (or the relying party, when implicit).
    fn audiences_span(&self) -> Span;

    /// What it requires of the token's claims.
    fn predicate(&self) -> &Predicate;
}

/// Whether a relying party trusts the pipeline's issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssuerVerdict {
    Accepted,
    /// It trusts another issuer; `expected` is the pipeline's.
    Refused {
        expected: String,
    },
    Unknown,
}

/// Does `party` trust the issuer of the tokens of `settings`' instance?
pub fn issuer_verdict(party: &dyn RelyingParty, settings: &Settings) -> IssuerVerdict {
    let expected = issuer(settings);
    match party.accepts_issuer(&expected) {
        Some(true) => IssuerVerdict::Accepted,
        Some(false) => IssuerVerdict::Refused { expected },
        None => IssuerVerdict::Unknown,
    }
}

/// Whether a relying party accepts a token's audiences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AudienceVerdict {
    /// This `aud` value is accepted.
    Accepted(String),
    /// None of the token's `aud` values is.
    Refused,
    /// Some value is built from variables, or the party's list is unknown.
    Unknown,
}

/// Does `party` accept one of `presented` (a job's `aud` values, variables expanded where
/// known; one containing `$` is unknown)? A token's `aud` list needs one accepted value.
pub fn audience_verdict(party: &dyn RelyingParty, presented: &[String]) -> AudienceVerdict {
    let mut unknown = presented.is_empty();
    for aud in presented {
        if aud.contains('$') {
            unknown = true;
            continue;
        }
        match party.accepts_audience(aud) {
            Some(true) => return AudienceVerdict::Accepted(aud.clone()),
            Some(false) => {}
            None => unknown = true,
        }
    }
    if unknown {
        AudienceVerdict::Unknown
    } else {
        AudienceVerdict::Refused
    }
}

/// The verdict on one run case of a job.
#[derive(Clone, Debug)]
pub struct CaseVerdict<'r> {
    pub case: &'r RunCase,
    /// `Yes` with the token that gets in, `No` (refused), or unknown.
    pub verdict: Satisfiable,
}

/// Whether a job's tokens get in, case by case.
#[derive(Clone, Debug)]
pub struct Admission<'r> {
    pub cases: Vec<CaseVerdict<'r>>,
    /// `false` when the job's runs or the predicate were approximated.
    pub exact: bool,
}

impl<'r> Admission<'r> {
    /// The cases whose tokens get in.
    pub fn admitted(&self) -> impl Iterator<Item = (&'r RunCase, &Token)> {
        self.cases.iter().filter_map(|c| match &c.verdict {
            Satisfiable::Yes(token) => Some((c.case, token)),
            _ => None,
        })
    }

    /// The cases whose tokens are refused.
    pub fn refused(&self) -> impl Iterator<Item = &'r RunCase> + '_ {
        self.cases
            .iter()
            .filter(|c| c.verdict.is_no())
            .map(|c| c.case)
    }

    /// Whether no case gets in though some is refused and none is unknown: the job is
    /// refused every time it runs.
    pub fn refused_always(&self) -> bool {
        self.cases.iter().all(|c| c.verdict.is_no()) && !self.cases.is_empty()
    }

    /// Whether some case is refused while another gets in (or is unknown).
    pub fn refused_sometimes(&self) -> bool {
        self.refused().next().is_some() && !self.refused_always()
    }
}

/// The environment name a job's tokens carry (`None`: the job has no environment).
pub fn environment(job: &Job) -> Option<&str> {
    job.environment
        .as_ref()
        .and_then(|environment| environment.name.as_ref())
        .map(|name| name.value.as_ref())
}

/// On which of `runs`' cases a job's tokens satisfy `party`'s predicate; `environment` is
/// the job's ([`environment`]).
pub fn admission<'r>(
    party: &dyn RelyingParty,
    runs: &'r JobRuns,
    environment: Option<&str>,
    settings: &Settings,
) -> Admission<'r> {
    let mut exact = runs.exact;
    let cases = runs
        .cases
        .iter()
        .map(|case| {
            let verdict = match ClaimSpace::of_run(settings, case, environment) {
                Ok(space) => satisfying(party.predicate(), &space),
                Err(_) => {
                    exact = false;
                    Satisfiable::Unknown(
                        party.span(),
                        "the job's refs are too complex to compare".to_owned(),
                    )
                }
            };
            CaseVerdict { case, verdict }
        })
        .collect();
    Admission { cases, exact }
}

/// A readable ref of a case for messages: ``branch `feature` ``.
pub fn describe_case(case: &RunCase) -> String {
    let name = case.names.witness().unwrap_or_else(|| "…".to_owned());
    format!("{} `{name}` ({})", case.ref_type.name(), case.source.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::claim_predicate::Values;
    use crate::analysis::job_runs::PipelineSource;
    use crate::analysis::sub_claim::RefType;
    use trustlint_automata::automaton::{Dfa, Expr};
    use trustlint_parser::FileId;

    struct Party {
        predicate: Predicate,
        audiences: Vec<&'static str>,
    }

    impl RelyingParty for Party {
        fn describe(&self) -> String {
            "test party".into()
        }
        fn span(&self) -> Span {
            Span::new(FileId(0), 0, 0)
        }
        fn accepts_issuer(&self, iss: &str) -> Option<bool> {
            Some(iss == "https://gitlab.com")
        }
        fn accepts_audience(&self, aud: &str) -> Option<bool> {
            Some(self.audiences.contains(&aud))
        }
        fn audiences_span(&self) -> Span {
            self.span()
        }
        fn predicate(&self) -> &Predicate {
            &self.predicate
        }
    }

    fn case(names: &[&str]) -> RunCase {
        RunCase {
            source: PipelineSource::Push,
            ref_type: RefType::Branch,
            names: Dfa::from_expr(&Expr::one_of_strings(names)).unwrap(),
            because: None,
        }
    }

    #[test]
    fn joins_judge_issuer_audience_and_cases() {
        let settings = Settings {
            gitlab_project: Some("grp/app".into()),
            ..Settings::default()
        };
        let span = Span::new(FileId(0), 0, 0);
        let party = Party {
            predicate: Predicate::and(vec![
                Predicate::test("project_path", Values::equals(&["grp/app"]), span),
                Predicate::test("ref_protected", Values::equals(&["true"]), span),
            ]),
            audiences: vec!["https://vault.example.com"],
        };
        assert_eq!(issuer_verdict(&party, &settings), IssuerVerdict::Accepted);
        assert_eq!(
            audience_verdict(&party, &["x".into(), "https://vault.example.com".into()]),
            AudienceVerdict::Accepted("https://vault.example.com".into())
        );
        assert_eq!(
            audience_verdict(&party, &["x".into()]),
            AudienceVerdict::Refused
        );
        assert_eq!(
            audience_verdict(&party, &["$AUD".into()]),
            AudienceVerdict::Unknown
        );
        let runs = JobRuns {
            cases: vec![case(&["main"]), case(&["feature"])],
            exact: true,
        };
        let admission = admission(&party, &runs, None, &settings);
        assert!(admission.refused_sometimes());
        let refused: Vec<String> = admission.refused().map(describe_case).collect();
        assert_eq!(refused, vec!["branch `feature` (push)".to_owned()]);
        let only_feature = JobRuns {
            cases: vec![case(&["feature"])],
            exact: true,
        };
        assert!(super::admission(&party, &only_feature, None, &settings).refused_always());
    }
}
