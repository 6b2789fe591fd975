# A GitLab.com provider without a condition; the project's ids are configured, so the
# fix pins them.
resource "google_iam_workload_identity_pool_provider" "gitlab" {
  workload_identity_pool_id          = "gitlab"
  workload_identity_pool_provider_id = "gitlab-com"
  attribute_condition = "assertion.namespace_id == '1234' && assertion.project_id == '5678'"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.project_id" = "assertion.project_id"
  }
  oidc {
    issuer_uri = "https://gitlab.com"
  }
}
