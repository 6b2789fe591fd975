//! What references to Google Cloud resources of a module stand for, symbolically:
//! `google_iam_workload_identity_pool.X.name` is
//! `projects/${project_number}/locations/global/workloadIdentityPools/ID` (the project
//! number is known only once the project exists), a provider's `name` its full resource
//! name, a service account's `email`/`member`/`name` built from its `account_id`.

use hcl_edit::expr::Expression;
use hcl_edit::structure::Block;

use crate::federation::gcp::{pool_name, provider_name, PROJECT_NUMBER};

/// What a reference stands for.
pub(super) enum GcpRef<'a> {
    /// Another attribute of the resource.
    Expr(&'a Expression),
    /// A value built from the resource.
    Text(String),
}

/// What `kind.name.attribute` stands for, `block` being the resource; `render` gives an
/// expression's text (unknown parts as `${…}`).
pub(super) fn resolve<'a>(
    block: &'a Block,
    kind: &str,
    name: &str,
    attribute: &str,
    render: &dyn Fn(&'a Expression) -> Option<String>,
) -> Option<GcpRef<'a>> {
    let get = |key: &str| block.body.get_attribute(key).map(|a| &a.value);
    let value = |key: &str| {
        get(key)
            .and_then(render)
            .unwrap_or_else(|| format!("${{{kind}.{name}.{key}}}"))
    };
    match (kind, attribute) {
        ("google_iam_workload_identity_pool", "workload_identity_pool_id")
        | (
            "google_iam_workload_identity_pool_provider",
            "workload_identity_pool_provider_id" | "workload_identity_pool_id",
        )
        | ("google_service_account", "account_id") => get(attribute).map(GcpRef::Expr),
        ("google_iam_workload_identity_pool", "name") => Some(GcpRef::Text(pool_name(
            PROJECT_NUMBER,
            &value("workload_identity_pool_id"),
        ))),
        ("google_iam_workload_identity_pool_provider", "name") => {
            Some(GcpRef::Text(provider_name(
                PROJECT_NUMBER,
                &value("workload_identity_pool_id"),
                &value("workload_identity_pool_provider_id"),
            )))
        }
        ("google_service_account", "email" | "name" | "id" | "member") => {
            let project = get("project")
                .and_then(render)
                .unwrap_or_else(|| "${project}".to_owned());
            let email = format!("{}@{project}.iam.gserviceaccount.com", value("account_id"));
            Some(GcpRef::Text(match attribute {
                "email" => email,
                "member" => format!("serviceAccount:{email}"),
                _ => format!("projects/{project}/serviceAccounts/{email}"),
            }))
        }
        _ => None,
    }
}
