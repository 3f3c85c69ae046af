# An HCP Terraform run with no secret: the workspace declares the audience
# (TFC_WORKLOAD_IDENTITY_AUDIENCE_ENTRA = api://AzureADTokenExchange), and
# each run's token, TFC_WORKLOAD_IDENTITY_TOKEN_ENTRA, is the client
# assertion. With no tag, TFC_WORKLOAD_IDENTITY_TOKEN is read.
data "clientcreds_token" "hcp_to_entra" {
  token_url                  = "https://login.microsoftonline.com/${var.tenant_id}/oauth2/v2.0/token"
  client_id                  = var.entra_client_id
  workload_identity          = "hcp_terraform"
  workload_identity_tag      = "ENTRA"
  workload_identity_audience = "api://AzureADTokenExchange" # checked against the run's token
  scopes                     = ["api://${var.api_app_id}/.default"]
}
