# Terraform in CodeBuild, on EC2, ECS, EKS or Lambda, or with any AWS role:
# STS GetWebIdentityToken issues a JWT for the role (outbound identity
# federation, enabled on the account), sent as the client assertion to an
# Entra ID app that trusts the account's issuer.
data "clientcreds_token" "aws_to_entra" {
  token_url                           = "https://login.microsoftonline.com/${var.tenant_id}/oauth2/v2.0/token"
  client_id                           = var.entra_client_id
  workload_identity                   = "aws"
  workload_identity_audience          = "api://AzureADTokenExchange"
  workload_identity_signing_algorithm = "RS256" # the default; ES384 for IdPs that take it
  scopes                              = ["api://${var.api_app_id}/.default"]
}
