# A CircleCI job that uses a context, with no secret: for an audience other
# than the organization ID, the provider runs
# `circleci run oidc get --claims '{"aud":"..."}'` for every request.
data "clientcreds_token" "circleci_to_okta" {
  issuer                     = "https://${var.okta_domain}/oauth2/default"
  client_id                  = var.okta_client_id
  workload_identity          = "circleci"
  workload_identity_audience = var.okta_federation_audience
  scopes                     = ["deploy"]
}
