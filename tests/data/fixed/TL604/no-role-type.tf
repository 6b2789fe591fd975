resource "vault_jwt_auth_backend_role" "deploy" {
  role_type = "jwt"
  role_name       = "deploy"
  user_claim      = "user_email"
  bound_audiences = ["https://vault.example.com"]
  bound_claims = {
    project_id    = "22"
    ref_protected = "true"
  }
}
