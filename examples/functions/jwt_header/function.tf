# The header is read, not verified: here, which key signed the token.
ephemeral "clientcreds_token" "api" {
  issuer        = "https://login.example.com/identity"
  client_id     = var.client_id
  client_secret = var.client_secret
}

locals {
  api_token_header = provider::clientcreds::jwt_header(ephemeral.clientcreds_token.api.access_token)
}

check "api_token_signing" {
  assert {
    condition     = local.api_token_header.alg != "none" && local.api_token_header.typ == "at+jwt"
    error_message = "The API token is not an RFC 9068 access token."
  }
}
