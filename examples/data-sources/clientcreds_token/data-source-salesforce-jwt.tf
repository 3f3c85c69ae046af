# Salesforce's OAuth 2.0 JWT bearer flow: the connected app's consumer key
# signs in as a pre-authorised user with the certificate's private key.
data "clientcreds_token" "salesforce" {
  token_url          = "https://login.salesforce.com/services/oauth2/token"
  grant_type         = "jwt_bearer"
  assertion_issuer   = var.salesforce_consumer_key
  assertion_subject  = "ci-integration@example.com"
  assertion_audience = "https://login.salesforce.com"
  private_key_env    = "SALESFORCE_JWT_KEY"
}

# Salesforce answers with the org's API host rather than a lifetime.
output "salesforce_api" {
  value = data.clientcreds_token.salesforce.instance_url
}
