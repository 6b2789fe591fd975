#!/bin/sh
vault write auth/jwt/role/deploy - <<EOF
{
  "role_type": "jwt",
  "user_claim": "user_email",
  "bound_audiences": ["https://vault.example.com"],
  "bound_claims": {
    "project_id": "22",
    "ref_protected": "true"
  }
}
EOF
