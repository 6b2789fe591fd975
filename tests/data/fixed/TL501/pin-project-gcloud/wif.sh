#!/usr/bin/env bash
# A GitLab.com provider created without --attribute-condition, its grants made elsewhere:
# every GitLab.com project can exchange its tokens for this pool's identities.
gcloud iam workload-identity-pools providers create-oidc gitlab --attribute-condition="assertion.namespace_id == '1234' && assertion.project_id == '5678'" \
  --location=global --workload-identity-pool=ci \
  --issuer-uri=https://gitlab.com --allowed-audiences=https://gitlab.com \
  --attribute-mapping=google.subject=assertion.sub,attribute.project_path=assertion.project_path
