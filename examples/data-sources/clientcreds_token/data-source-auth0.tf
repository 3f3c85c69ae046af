# Auth0: the API is chosen by audience; Auth0 accepts credentials in the body.
data "clientcreds_token" "auth0" {
  issuer        = "https://example.eu.auth0.com/"
  client_id     = var.auth0_client_id
  client_secret = var.auth0_client_secret
  audience      = "https://api.example.com"
  auth_method   = "client_secret_post"
}
