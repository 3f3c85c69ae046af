# The claims are read, not verified: use them to see what a token carries.
data "clientcreds_token" "orders" {
  issuer        = "https://login.example.com/identity"
  client_id     = var.client_id
  client_secret = var.client_secret
  scopes        = ["orders.read"]
}

locals {
  orders_claims = provider::clientcreds::jwt_claims(data.clientcreds_token.orders.access_token)
}

# Warn at plan time when the token is short-lived or meant for another API.
# `aud` is a string or a list depending on the server; flatten() reads both.
check "orders_token" {
  assert {
    condition     = local.orders_claims.exp - local.orders_claims.iat >= 3600
    error_message = "The orders token lives less than an hour."
  }
  assert {
    condition     = contains(flatten([local.orders_claims.aud]), "api://orders")
    error_message = "The orders token is not for api://orders."
  }
}

# The result is as sensitive as the token: nonsensitive() states that one
# claim may be shown.
output "orders_audience" {
  value = nonsensitive(local.orders_claims.aud)
}
