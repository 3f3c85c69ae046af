# Terraform on an Azure VM, App Service, Functions, Container Apps or an Arc
# server: the resource's managed identity is the federated credential of an
# app registration, possibly in another tenant. No secret anywhere.
data "clientcreds_token" "managed_identity_to_app" {
  token_url                   = "https://login.microsoftonline.com/${var.app_tenant_id}/oauth2/v2.0/token"
  client_id                   = var.app_client_id
  workload_identity           = "azure_managed_identity"
  workload_identity_client_id = var.user_assigned_identity_client_id # omit for the system-assigned identity
  scopes                      = ["api://${var.api_app_id}/.default"]
}
