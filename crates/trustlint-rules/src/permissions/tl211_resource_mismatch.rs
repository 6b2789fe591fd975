//! TL211 resource-mismatch: an action paired only with resources of types it cannot act
//! on (`s3:GetObject` on a bucket ARN, `s3:ListAllMyBuckets` on anything but `*`): the
//! statement does not grant that action at all.

use trustlint_parser::iam::placeholder::is_placeholder;
use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;
use trustlint_parser::spanned::Spanned;

use crate::analysis::catalog::{ActionRef, Catalog, ResourcePattern, ResourceType};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct ResourceMismatch;

impl Rule for ResourceMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL211
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
        let catalog = Catalog::get();
        for grant in &access.grants {
            let resources = grant.statement.resources();
            // `*`, `NotResource` and placeholders (`${aws_s3_bucket.x.arn}`) can be anything.
            if grant.on_any_resource()
                || resources.is_empty()
                || resources
                    .iter()
                    .any(|r| is_placeholder(&r.value) && !r.value.starts_with("arn:"))
            {
                continue;
            }
            let Some(resource_block) = &grant.statement.resource else {
                continue;
            };
            let mut fits = FittingTypes::new(resources);
            for (pattern, set) in grant.patterns() {
                let actions: Vec<ActionRef<'_>> =
                    set.iter().filter_map(|id| catalog.action(id)).collect();
                if actions.is_empty()
                    || actions
                        .iter()
                        .flat_map(|a| a.resource_types())
                        .any(|t| fits.could_match(t))
                {
                    continue;
                }
                let message = match actions.as_slice() {
                    [one] if !one.has_resource_types() => format!(
                        "`{}` does not support resource-level permissions: it is granted only with `Resource: \"*\"`, so this statement does not grant it",
                        pattern.value
                    ),
                    [one] => format!(
                        "`{}` acts on {}, and none of this statement's resources is one: the statement does not grant it",
                        pattern.value,
                        type_list(one)
                    ),
                    _ => format!(
                        "none of the {} actions `{}` matches can act on this statement's resources: the statement does not grant them",
                        actions.len(),
                        pattern.value
                    ),
                };
                let help = match actions.as_slice() {
                    [one] if one.has_resource_types() => format!(
                        "add a resource of the right type, e.g. `{}`",
                        one.resource_types()
                            .min_by_key(|t| t.arn().len())
                            .map_or("", |t| t.arn())
                    ),
                    _ => "move the action to a statement with the resources it acts on (`*` for actions without resource-level permissions)".to_string(),
                };
                out.push(
                    Finding::new(self.meta(), pattern.span, message)
                        .with_help(help)
                        .with_related(resource_block.span, "the statement's resources"),
                );
            }
        }
    }
}

/// Which resource types could match one of a statement's resources, each type judged
/// once (the few dozen types of a service stand behind the hundreds of actions `s3:*`
/// matches, and the patterns of a statement share them).
struct FittingTypes {
    resources: Vec<ResourcePattern>,
    /// The types judged so far (by address: the catalog's types live for the process).
    judged: Vec<(*const ResourceType, bool)>,
}

impl FittingTypes {
    fn new(resources: &[Spanned<String>]) -> FittingTypes {
        FittingTypes {
            resources: resources
                .iter()
                .map(|r| ResourcePattern::new(&r.value))
                .collect(),
            judged: Vec::new(),
        }
    }

    fn could_match(&mut self, resource_type: &ResourceType) -> bool {
        let key = std::ptr::from_ref(resource_type);
        if let Some(&(_, fits)) = self.judged.iter().find(|(t, _)| *t == key) {
            return fits;
        }
        let fits = self
            .resources
            .iter()
            .any(|r| resource_type.could_match_pattern(r));
        self.judged.push((key, fits));
        fits
    }
}

/// "`accesspointobject` or `object` resources": the first resource types of an action.
fn type_list(action: &ActionRef<'_>) -> String {
    let types: Vec<String> = action
        .resource_types()
        .take(3)
        .map(|t| format!("`{}`", t.name()))
        .collect();
    format!("{} resources", types.join(" or "))
}
