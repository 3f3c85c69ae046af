# Google Cloud workload identity federation from GitHub Actions: the job's
# OIDC token goes to Google's Security Token Service, with no client
# authentication, for a Google access token. Nothing is stored.
locals {
  gcp_provider = "projects/${var.project_number}/locations/global/workloadIdentityPools/${var.pool}/providers/${var.provider_id}"
}

ephemeral "clientcreds_token_exchange" "gcp" {
  token_url                  = "https://sts.googleapis.com/v1/token"
  workload_identity          = "github_actions"
  workload_identity_audience = "https://iam.googleapis.com/${local.gcp_provider}" # the pool provider's allowed audience
  subject_token_type         = "jwt"
  audience                   = "//iam.googleapis.com/${local.gcp_provider}"
  requested_token_type       = "access_token"
  scopes                     = ["https://www.googleapis.com/auth/cloud-platform"]
}

provider "google" {
  access_token = ephemeral.clientcreds_token_exchange.gcp.access_token
}
