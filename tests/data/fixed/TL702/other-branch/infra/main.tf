resource "azuread_application_registration" "ci" {
  display_name = "acme-web-ci"
}

resource "azuread_service_principal" "ci" {
  client_id = azuread_application_registration.ci.client_id
}

resource "azuread_application_federated_identity_credential" "main" {
  application_id = azuread_application_registration.ci.id
  display_name   = "acme-web-main"
  issuer         = "https://gitlab.com"
  subject        = "project_path:acme/web:ref_type:branch:ref:release"
  audiences      = ["api://AzureADTokenExchange"]
}

resource "azurerm_role_assignment" "ci" {
  scope                = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/acme-web"
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azuread_service_principal.ci.object_id
}
