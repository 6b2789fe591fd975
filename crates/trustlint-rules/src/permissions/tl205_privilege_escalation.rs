//! TL205 privilege-escalation: the policy grants every action of a known escalation path
//! (`rules/data/escalation_paths.txt`, with references), each on a resource it can act
//! on, so its holder can give itself more access than the policy says.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use trustlint_parser::iam::{OperatorFamily, PolicyDocument, SetQualifier};
use trustlint_parser::input::Document;
use trustlint_parser::Span;

use super::managed::classify;
use super::{is_aws_owned, Grant};
use crate::analysis::catalog::{ActionId, Catalog, ResourceType};
use crate::analysis::glob::matches_ignore_case;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

const PATHS_TEXT: &str = include_str!("../../rules/data/escalation_paths.txt");
const PASS_ROLE: &str = "iam:PassRole";
const PASSED_TO_SERVICE: &str = "iam:PassedToService";

/// One escalation path: every action is needed.
#[derive(Debug)]
struct EscalationPath {
    name: &'static str,
    actions: Vec<ActionId>,
    guard: Guard,
}

/// What else decides whether a path is open.
#[derive(Debug)]
enum Guard {
    None,
    /// `iam:PassRole` must be able to pass the role to this service principal.
    PassedTo(&'static str),
    /// A resource-policy path: void where the statement already grants every action of
    /// this service (there is nothing more to grant oneself).
    UnlessAll(&'static str),
    /// Attaching a policy: void where `iam:PolicyARN` limits it to named narrow policies.
    PolicyArn,
    /// Acting as another user: void where the statement names only the caller itself.
    OtherUser,
}

impl Guard {
    fn parse(text: &'static str) -> Guard {
        if let Some(service) = text.strip_prefix("passed-to:") {
            Guard::PassedTo(service)
        } else if let Some(prefix) = text.strip_prefix("unless-all:") {
            Guard::UnlessAll(prefix)
        } else if text == "policy-arn" {
            Guard::PolicyArn
        } else if text == "other-user" {
            Guard::OtherUser
        } else {
            Guard::None
        }
    }
}

fn paths() -> &'static [EscalationPath] {
    static PATHS: OnceLock<Vec<EscalationPath>> = OnceLock::new();
    PATHS.get_or_init(|| {
        let catalog = Catalog::get();
        PATHS_TEXT
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let (name, actions, guard) = (fields.next()?, fields.next()?, fields.next()?);
                Some(EscalationPath {
                    name,
                    actions: actions
                        .split(',')
                        .map(|a| catalog.lookup(a))
                        .collect::<Option<_>>()?,
                    guard: Guard::parse(guard),
                })
            })
            .collect()
    })
}

#[derive(Debug)]
pub struct PrivilegeEscalation;

impl Rule for PrivilegeEscalation {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL205
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let Some(access) = cx.policy_access(document, policy) else {
            return;
        };
        // An administrator statement is TL201's; escalation adds nothing to it.
        let grants: Vec<&Grant<'_>> = access.grants.iter().filter(|g| !g.is_admin()).collect();
        let catalog = Catalog::get();
        // Paths grouped by the text granting their first action.
        let mut found: BTreeMap<Span, Vec<(&EscalationPath, Vec<Span>)>> = BTreeMap::new();
        for path in paths() {
            let spans: Option<Vec<Span>> = path
                .actions
                .iter()
                .map(|&id| {
                    grants
                        .iter()
                        .find(|g| grants_usefully(g, id, &path.guard))
                        .map(|g| g.span_granting(id))
                })
                .collect();
            if let Some((&first, rest)) = spans.as_deref().and_then(<[Span]>::split_first) {
                found.entry(first).or_default().push((path, rest.to_vec()));
            }
        }
        for (span, group) in found {
            let names: Vec<String> = group
                .iter()
                .map(|(path, _)| {
                    let actions: Vec<String> = path
                        .actions
                        .iter()
                        .filter_map(|&id| catalog.action(id))
                        .map(|a| format!("`{}`", a.qualified_name()))
                        .collect();
                    format!("{} ({})", path.name, actions.join(" + "))
                })
                .collect();
            let mut finding = Finding::new(
                self.meta(),
                span,
                format!(
                    "this policy allows privilege escalation: its holder can give itself more access through {}",
                    names.join(", ")
                ),
            )
            .with_help("remove the escalating actions, or limit them to resources that cannot lead to more access (and `iam:PassRole` to specific roles with an `iam:PassedToService` condition)");
            let mut related: Vec<Span> = group.iter().flat_map(|(_, rest)| rest.clone()).collect();
            related.sort();
            related.dedup();
            for other in related.into_iter().filter(|&s| s != span) {
                finding =
                    finding.with_related(other, "the rest of the escalation path is granted here");
            }
            out.push(finding);
        }
    }
}

/// Whether `grant` gives `action` on a resource where it can escalate.
fn grants_usefully(grant: &Grant<'_>, action: ActionId, guard: &Guard) -> bool {
    if !grant.effective().contains(action) {
        return false;
    }
    let Some(entry) = Catalog::get().action(action) else {
        return false;
    };
    // The statement reaches the action only through a resource every request of it names
    // (`ssm:SendCommand` needs a document: a bucket alone, which it may also name, does
    // not let its holder run a command), else through any type it acts on.
    let resources = grant.statement.resources();
    let reaches = |t: &ResourceType| {
        resources
            .iter()
            .any(|r| !is_aws_owned(&r.value) && t.could_match(&r.value))
    };
    let mut required = entry.required_resource_types().peekable();
    let on_resource = grant.on_any_resource()
        || if required.peek().is_some() {
            required.any(reaches)
        } else {
            entry.resource_types().any(reaches)
        };
    let open = match guard {
        Guard::PassedTo(service) if entry.qualified_name() == PASS_ROLE => {
            passes_to(grant, service)
        }
        Guard::PolicyArn => !attaches_only_narrow_policies(grant),
        Guard::OtherUser => !only_the_caller(grant),
        Guard::UnlessAll(prefix) => {
            let all = Catalog::get().expand(&format!("{prefix}:*"));
            !all.is_subset_of(grant.effective())
        }
        _ => true,
    };
    on_resource && open
}

/// Whether every `Resource` of the statement is the calling user itself
/// (`arn:aws:iam::*:user/${aws:username}`; IAM users can't be managed across accounts,
/// so the account doesn't matter).
fn only_the_caller(grant: &Grant<'_>) -> bool {
    let resources = grant.statement.resources();
    !grant.on_any_resource()
        && !resources.is_empty()
        && resources.iter().all(|r| {
            r.value
                .rsplit_once(":user/")
                .is_some_and(|(_, name)| name.eq_ignore_ascii_case("${aws:username}"))
        })
}

/// Whether the statement's `iam:PassedToService` conditions admit `service`. Only
/// positive string conditions (without `IfExists`/`ForAllValues`) restrict; anything else
/// is assumed to admit it.
fn passes_to(grant: &Grant<'_>, service: &str) -> bool {
    grant
        .statement
        .conditions_on(PASSED_TO_SERVICE)
        .filter(|c| {
            let operator = &c.operator.value;
            operator.base.family() == OperatorFamily::String
                && !operator.is_negated()
                && !operator.if_exists
                && operator.qualifier != Some(SetQualifier::ForAllValues)
        })
        .all(|c| c.value_texts().any(|v| matches_ignore_case(v, service)))
}

/// Whether a positive `iam:PolicyARN` condition limits the statement to exact ARNs of
/// policies that are not broad AWS managed ones.
fn attaches_only_narrow_policies(grant: &Grant<'_>) -> bool {
    grant.statement.conditions_on("iam:PolicyARN").any(|c| {
        let operator = &c.operator.value;
        matches!(
            operator.base.family(),
            OperatorFamily::String | OperatorFamily::Arn
        ) && !operator.is_negated()
            && !operator.if_exists
            && operator.qualifier != Some(SetQualifier::ForAllValues)
            && c.value_texts()
                .all(|v| !v.contains(['*', '?', '$']) && classify(v).is_none())
    })
}
