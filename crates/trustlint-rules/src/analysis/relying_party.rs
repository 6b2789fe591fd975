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

use std::cell::OnceCell;

use trustlint_parser::gitlab::Job;
use trustlint_parser::Span;

use super::automaton::{Dfa, Expr};
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

    /// Whether it accepts a token whose `aud` is `auds` (one value, or a list): by
    /// default when it accepts one of them. A party that checks a list otherwise (AWS:
    /// the provider's client ids and the trust's `:aud` conditions may each be met by a
    /// different value) says so here.
    fn accepts_token_audiences(&self, auds: &[&str]) -> Option<bool> {
        let mut unknown = false;
        for aud in auds {
            match self.accepts_audience(aud) {
                Some(true) => return Some(true),
                Some(false) => {}
                None => unknown = true,
            }
        }
        (!unknown).then_some(false)
    }

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

/// Does `party` accept a token whose `aud` is `presented` (a job's `aud` values,
/// variables expanded where known; one containing `$` is unknown)? `Accepted` names the
/// first value it accepts on its own (or the first value, when only the list passes).
pub fn audience_verdict(party: &dyn RelyingParty, presented: &[String]) -> AudienceVerdict {
    if presented.is_empty() || presented.iter().any(|aud| aud.contains('$')) {
        return AudienceVerdict::Unknown;
    }
    let auds: Vec<&str> = presented.iter().map(String::as_str).collect();
    match party.accepts_token_audiences(&auds) {
        Some(true) => {
            let accepted = auds
                .iter()
                .find(|aud| party.accepts_audience(aud) == Some(true))
                .or(auds.first());
            AudienceVerdict::Accepted(accepted.map(|a| a.to_string()).unwrap_or_default())
        }
        Some(false) => AudienceVerdict::Refused,
        None => AudienceVerdict::Unknown,
    }
}

/// The verdict on one run case of a job.
#[derive(Clone, Debug)]
pub struct CaseVerdict {
    /// The case's position in the job's [`JobRuns::cases`] ([`CaseVerdict::case`]).
    pub index: usize,
    /// A token of the case that gets in (`Yes`), none (`No`), or unknown.
    pub admitted: Satisfiable,
    /// A token of the case that is refused (`Yes`: its `sub`/`ref` are the example),
    /// none (`No`: every ref of the case gets in), or unknown (the job's audience or
    /// project is not known, so a refusal can't be told from a guess).
    pub refused: Satisfiable,
}

impl CaseVerdict {
    /// The run case judged, among the `runs` the admission was computed on.
    pub fn case<'r>(&self, runs: &'r JobRuns) -> Option<&'r RunCase> {
        runs.cases.get(self.index)
    }
}

/// Whether a job's tokens get in, case by case. It owns its verdicts and names each case
/// by its position in the job's runs, so the analysis context can keep it per link.
#[derive(Clone, Debug)]
pub struct Admission {
    pub cases: Vec<CaseVerdict>,
    /// `false` when the job's runs were approximated or its project is not configured:
    /// a refusal on some refs is then no finding.
    pub exact: bool,
}

impl Admission {
    /// The first case with a refused token, and the token; `runs` are those the
    /// admission was computed on.
    pub fn first_refusal<'r>(&self, runs: &'r JobRuns) -> Option<(&'r RunCase, &Token)> {
        self.cases.iter().find_map(|c| match &c.refused {
            Satisfiable::Yes(token) => Some((c.case(runs)?, token)),
            _ => None,
        })
    }

    /// Whether the job runs and no case gets in: refused every time it runs.
    pub fn refused_always(&self) -> bool {
        !self.cases.is_empty() && self.cases.iter().all(|c| c.admitted.is_no())
    }

    /// Whether some token of some case is refused while others get in.
    pub fn refused_sometimes(&self) -> bool {
        !self.refused_always()
            && self
                .cases
                .iter()
                .any(|c| matches!(c.refused, Satisfiable::Yes(_)))
    }
}

/// The environment name a job's tokens carry (`None`: the job has no environment).
pub fn environment(job: &Job) -> Option<&str> {
    job.environment
        .as_ref()
        .and_then(|environment| environment.name.as_ref())
        .map(|name| name.value.as_ref())
}

/// The ids that are unknown constants of the project: a refusal is judged with the
/// values the admitted token has (an unknown id is never guessed to differ).
const PROJECT_CONSTANTS: [&str; 3] = ["project_id", "namespace_id", "root_namespace_id"];

/// On which of `runs`' cases a job's tokens satisfy `party`'s predicate. `environment`
/// is the job's ([`environment`]), `audiences` the `aud` values of its token (variables
/// expanded where known; a predicate that tests `aud` sees them when literal). Refusals
/// are only looked for when the project is configured (`[gitlab] project`): otherwise a
/// token of another project would pass for one of the job's.
pub fn admission(
    party: &dyn RelyingParty,
    runs: &JobRuns,
    environment: Option<&str>,
    audiences: &[String],
    settings: &Settings,
) -> Admission {
    let judge = CaseJudge::new(party.predicate(), environment, audiences, settings);
    admission_by(party, runs, settings, |case| judge.judge(case))
}

/// [`admission`], each case judged by `judge` (the judgement of `party`'s predicate on
/// the case, [`CaseJudge::judge`], or a memo of it).
pub fn admission_by(
    party: &dyn RelyingParty,
    runs: &JobRuns,
    settings: &Settings,
    mut judge: impl FnMut(&RunCase) -> Option<CaseJudgement>,
) -> Admission {
    let too_complex = || {
        Satisfiable::Unknown(
            party.span(),
            "the job's refs are too complex to compare".to_owned(),
        )
    };
    let mut exact = runs.exact && settings.gitlab_project.is_some();
    let cases = runs
        .cases
        .iter()
        .enumerate()
        .map(|(index, case)| match judge(case) {
            Some(CaseJudgement { admitted, refused }) => CaseVerdict {
                index,
                admitted,
                refused: refused.unwrap_or_else(|| {
                    Satisfiable::Unknown(party.span(), "the project is not configured".to_owned())
                }),
            },
            None => {
                exact = false;
                CaseVerdict {
                    index,
                    admitted: too_complex(),
                    refused: too_complex(),
                }
            }
        })
        .collect();
    Admission { cases, exact }
}

/// What a predicate makes of one run case's tokens, whoever the relying party is.
#[derive(Clone, Debug)]
pub struct CaseJudgement {
    /// A token of the case that satisfies it, none, or unknown.
    pub admitted: Satisfiable,
    /// A token of the case that doesn't, or none; `None` when refusals are not looked
    /// for (the project is not configured) and the case has tokens.
    pub refused: Option<Satisfiable>,
}

/// Judges the run cases of a job against a predicate: what [`admission`] asks of each.
/// Its judgement depends on the predicate, the job's environment, its token's audiences,
/// the settings and the case's source, ref type and ref names only.
#[derive(Debug)]
pub struct CaseJudge<'p> {
    predicate: &'p Predicate,
    /// Whether refusals are looked for (the project is configured).
    refusals: bool,
    /// The predicate's negation, built when first needed.
    refusing: OnceCell<Predicate>,
    /// The token's `aud` values, when all literal.
    aud: Option<Dfa>,
    environment: Option<&'p str>,
    settings: &'p Settings,
}

impl<'p> CaseJudge<'p> {
    pub fn new(
        predicate: &'p Predicate,
        environment: Option<&'p str>,
        audiences: &[String],
        settings: &'p Settings,
    ) -> CaseJudge<'p> {
        let literal = !audiences.is_empty() && !audiences.iter().any(|a| a.contains('$'));
        let aud = literal
            .then(|| {
                let texts: Vec<&str> = audiences.iter().map(String::as_str).collect();
                Dfa::from_expr(&Expr::one_of_strings(&texts)).ok()
            })
            .flatten();
        CaseJudge {
            predicate,
            refusals: settings.gitlab_project.is_some(),
            refusing: OnceCell::new(),
            aud,
            environment,
            settings,
        }
    }

    /// Whether the judgement depends on the case's pipeline source: only when the
    /// predicate tests `pipeline_source` (the only claim of a run case's tokens the
    /// source sets, [`ClaimSpace::of_run`]; a witness token names only the claims the
    /// predicate tests and those the case fixes otherwise).
    pub fn reads_source(&self) -> bool {
        self.predicate
            .tests()
            .iter()
            .any(|test| test.claim == "pipeline_source")
    }

    /// The judgement on `case`'s tokens; `None` when its refs are too complex to compare.
    pub fn judge(&self, case: &RunCase) -> Option<CaseJudgement> {
        let spaces = ClaimSpace::of_run(self.settings, case, self.environment).ok()?;
        let mut admitted = Satisfiable::No;
        let mut refused = Some(Satisfiable::No);
        for mut space in spaces {
            if let Some(aud) = &self.aud {
                space.set("aud", aud.clone());
            }
            let here = satisfying(self.predicate, &space);
            if let Satisfiable::Yes(token) = &here {
                for claim in PROJECT_CONSTANTS {
                    if let Some(value) = token.get(claim).and_then(|v| Dfa::literal(v).ok()) {
                        space.set(claim, value);
                    }
                }
            }
            if refused.as_ref().is_some_and(Satisfiable::is_no) {
                refused = self.refusals.then(|| {
                    let refusing = self
                        .refusing
                        .get_or_init(|| Predicate::not(self.predicate.clone()));
                    satisfying(refusing, &space)
                });
            }
            admitted = match (admitted, here) {
                (Satisfiable::Yes(token), _) | (_, Satisfiable::Yes(token)) => {
                    Satisfiable::Yes(token)
                }
                (Satisfiable::Unknown(span, why), _) | (_, Satisfiable::Unknown(span, why)) => {
                    Satisfiable::Unknown(span, why)
                }
                _ => Satisfiable::No,
            };
        }
        Some(CaseJudgement { admitted, refused })
    }
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

    fn case_of(names: &[&str]) -> RunCase {
        from(PipelineSource::Push, names)
    }

    fn from(source: PipelineSource, names: &[&str]) -> RunCase {
        RunCase {
            source,
            ref_type: RefType::Branch,
            names: Dfa::from_expr(&Expr::one_of_strings(names)).unwrap(),
            because: None,
        }
    }

    /// Settings with the project configured (refusals are looked for).
    fn configured() -> Settings {
        Settings {
            gitlab_project: Some("grp/app".into()),
            ..Settings::default()
        }
    }

    #[test]
    fn joins_judge_issuer_audience_and_cases() {
        let settings = configured();
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
            cases: vec![case_of(&["main"]), case_of(&["feature"])],
            exact: true,
        };
        let auds = ["https://vault.example.com".to_owned()];
        let admission = admission(&party, &runs, None, &auds, &settings);
        assert!(admission.refused_sometimes());
        let (case, token) = admission.first_refusal(&runs).unwrap();
        assert_eq!(describe_case(case), "branch `feature` (push)");
        assert_eq!(token.get("ref_protected"), Some("false"));
        let both = JobRuns {
            cases: vec![case_of(&["main", "feature"])],
            exact: true,
        };
        let admission = super::admission(&party, &both, None, &auds, &settings);
        assert!(
            admission.refused_sometimes(),
            "one case, a protected and an unprotected ref"
        );
        assert_eq!(
            admission.first_refusal(&both).unwrap().1.get("ref"),
            Some("feature")
        );
        let only_feature = JobRuns {
            cases: vec![case_of(&["feature"])],
            exact: true,
        };
        assert!(super::admission(&party, &only_feature, None, &auds, &settings).refused_always());
    }

    /// The analysis context remembers judgements without the pipeline source when the
    /// predicate doesn't read it ([`CaseJudge::reads_source`]): the judgements must then
    /// be the same for every source.
    #[test]
    fn a_judgement_depends_on_the_source_only_when_the_predicate_reads_it() {
        let settings = configured();
        let span = Span::new(FileId(0), 0, 0);
        let protected = Predicate::and(vec![
            Predicate::test("project_path", Values::equals(&["grp/app"]), span),
            Predicate::test("ref_protected", Values::equals(&["true"]), span),
        ]);
        let by_source = Predicate::and(vec![
            protected.clone(),
            Predicate::test("pipeline_source", Values::equals(&["push"]), span),
        ]);
        let auds = ["https://vault.example.com".to_owned()];
        let judged = |predicate: &Predicate, source: PipelineSource| {
            let judge = CaseJudge::new(predicate, Some("production"), &auds, &settings);
            let judgement = judge.judge(&from(source, &["main", "feature"]));
            (judge.reads_source(), format!("{judgement:?}"))
        };
        let (reads, push) = judged(&protected, PipelineSource::Push);
        assert!(!reads);
        for source in PipelineSource::ALL {
            assert_eq!(
                judged(&protected, source),
                (false, push.clone()),
                "{source:?}"
            );
        }
        let (reads, push) = judged(&by_source, PipelineSource::Push);
        assert!(reads);
        assert_ne!(judged(&by_source, PipelineSource::Web).1, push);
    }
}
