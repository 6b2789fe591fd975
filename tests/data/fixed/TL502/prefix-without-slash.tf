# A group prefix without its / boundary: `acme-evil` gets in.
resource "google_iam_workload_identity_pool" "gitlab" {
  workload_identity_pool_id = "gitlab"
}

resource "google_iam_workload_identity_pool_provider" "gitlab" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.gitlab.workload_identity_pool_id
  workload_identity_pool_provider_id = "gitlab-com"
  attribute_condition                = "(assertion.namespace_path == \"acme\" || assertion.namespace_path.startsWith(\"acme/\")) && assertion.ref_protected == \"true\""
  attribute_mapping = {
    "google.subject"         = "assertion.sub"
    "attribute.project_id"   = "assertion.project_id"
    "attribute.namespace_id" = "assertion.namespace_id"
  }
  oidc {
    issuer_uri        = "https://gitlab.com"
    allowed_audiences = ["https://gitlab.com"]
  }
}

resource "google_service_account" "deploy" {
  account_id = "deploy"
}

resource "google_service_account_iam_member" "deploy" {
  service_account_id = google_service_account.deploy.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gitlab.name}/attribute.project_id/5678"
}

resource "google_project_iam_member" "deploy" {
  project = "my-project"
  role    = "roles/run.developer"
  member  = google_service_account.deploy.member
}
