resource "vault_jwt_auth_backend" "gitlab" {
  path               = "gitlab"
  oidc_discovery_url = "https://gitlab.com"
  bound_issuer       = "https://gitlab.com"
}

resource "vault_jwt_auth_backend_role" "deploy" {
  bound_audiences = ["https://vault.example.com"]
  backend        = vault_jwt_auth_backend.gitlab.path
  role_name      = "deploy"
  role_type      = "jwt"
  user_claim     = "user_email"
  token_policies = ["deploy"]
  bound_claims = {
    project_id    = "22"
    ref_protected = "true"
  }
}
