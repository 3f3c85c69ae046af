# Microsoft Entra ID (v2.0 endpoint): one ".default" scope naming the API.
# Use the tenant ID (a GUID): the discovery document's issuer names the GUID,
# so a tenant domain name would fail the exact issuer check.
data "clientcreds_token" "entra" {
  issuer        = "https://login.microsoftonline.com/${var.tenant_id}/v2.0"
  client_id     = var.entra_client_id
  client_secret = var.entra_client_secret
  scopes        = ["api://${var.api_app_id}/.default"]
}

# The v1 endpoint takes a resource instead of a scope.
data "clientcreds_token" "entra_v1" {
  token_url     = "https://login.microsoftonline.com/${var.tenant_id}/oauth2/token"
  client_id     = var.entra_client_id
  client_secret = var.entra_client_secret
  resource      = ["https://management.azure.com/"]
}
