# A GitHub Actions job with `permissions: id-token: write` and no secret:
# the job's OIDC token, fetched fresh for every request, is the client
# assertion for a Microsoft Entra ID app with a federated credential.
data "clientcreds_token" "github_to_entra" {
  token_url                  = "https://login.microsoftonline.com/${var.tenant_id}/oauth2/v2.0/token"
  client_id                  = var.entra_client_id
  workload_identity          = "github_actions"
  workload_identity_audience = "api://AzureADTokenExchange"
  scopes                     = ["api://${var.api_app_id}/.default"]
}
