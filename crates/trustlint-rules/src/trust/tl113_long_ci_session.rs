//! TL113 long-ci-session: a role that OIDC tokens of a CI system can assume allows
//! sessions longer than one hour (`MaxSessionDuration` over 3600 s).

use trustlint_parser::iam::Role;
use trustlint_parser::input::Document;

use super::first_oidc_grant;
use super::fixes::replace_key;
use crate::finding::{Applicability, Finding, Fix};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

/// The longest session, in seconds, this rule accepts: IAM's default for a role.
const ONE_HOUR: u64 = 3600;

#[derive(Debug)]
pub struct LongCiSession;

impl Rule for LongCiSession {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL113
    }

    fn check_role(
        &self,
        cx: &Context<'_>,
        document: &Document,
        role: &Role,
        out: &mut Vec<Finding>,
    ) {
        let Some(duration) = &role.max_session_duration else {
            return;
        };
        // Symbolic values (`${var.duration}`, `!Ref Duration`) don't parse: no finding.
        let Ok(seconds) = duration.value.trim().parse::<u64>() else {
            return;
        };
        if seconds <= ONE_HOUR {
            return;
        }
        let Some(grant) = first_oidc_grant(role, cx.settings) else {
            return;
        };
        let host = grant.provider.condition_key_prefix();
        let mut finding = Finding::new(
            self.meta(),
            duration.span,
            format!(
                "role `{}` is assumed by CI jobs (OIDC tokens of `{host}`) and allows sessions of up to {} (`MaxSessionDuration` {seconds} s): a job that asks for that much gets credentials that stay valid long after it ends, and a copy leaked through a log, artifact or cache stays usable as long",
                role.name.value,
                human_duration(seconds)
            ),
        )
        .with_help("set `MaxSessionDuration` to 3600 (the default): CI jobs assume the role again with a fresh ID token when they need more time")
        .with_related(grant.principal.span, grant.trusted_here());
        finding.fix =
            replace_key(cx, document, duration.span, &duration.value, "3600").map(|edit| Fix {
                description: "set `MaxSessionDuration` to 3600".to_owned(),
                edits: vec![edit],
                applicability: Applicability::Unsafe,
            });
        out.push(finding);
    }
}

/// `43200` → `12 h`, `5400` → `1 h 30 min`.
fn human_duration(seconds: u64) -> String {
    let (hours, minutes) = (seconds / 3600, seconds % 3600 / 60);
    match (hours, minutes) {
        (h, 0) => format!("{h} h"),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_hours_and_minutes() {
        assert_eq!(human_duration(43200), "12 h");
        assert_eq!(human_duration(5400), "1 h 30 min");
        assert_eq!(human_duration(3660), "1 h 1 min");
    }
}
