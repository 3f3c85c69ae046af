# A chain: a GitHub Actions job gets a token from Entra ID with no secret
# (workload identity federation), then exchanges it at the API gateway's
# server for a token for a second audience.
data "clientcreds_token" "entra" {
  token_url                  = "https://login.microsoftonline.com/${var.tenant_id}/oauth2/v2.0/token"
  client_id                  = var.entra_client_id
  workload_identity          = "github_actions"
  workload_identity_audience = "api://AzureADTokenExchange"
  scopes                     = ["api://${var.gateway_app_id}/.default"]
}

data "clientcreds_token_exchange" "inventory" {
  issuer             = "https://gateway.example.com"
  client_id          = "ci-pipeline"
  client_secret_env  = "GATEWAY_CLIENT_SECRET"
  subject_token      = data.clientcreds_token.entra.access_token
  subject_token_type = "access_token"
  audience           = "inventory-api"
}
