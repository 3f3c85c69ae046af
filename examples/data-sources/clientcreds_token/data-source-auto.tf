# One configuration for every runner: GitHub Actions, Azure Pipelines,
# HCP Terraform, CircleCI, Buildkite or a Compute Engine VM. The provider
# finds the platform from the environment; each platform needs its own
# federated credential on the app (issuer and subject differ).
data "clientcreds_token" "any_ci_to_entra" {
  token_url                  = "https://login.microsoftonline.com/${var.tenant_id}/oauth2/v2.0/token"
  client_id                  = var.entra_client_id
  workload_identity          = "auto"
  workload_identity_audience = "api://AzureADTokenExchange"
  workload_identity_tag      = "ENTRA" # read only in HCP Terraform
  scopes                     = ["api://${var.api_app_id}/.default"]
}
