# Keycloak standard token exchange: the client authenticates, and trades a
# token it holds for one whose audience is another client of the realm.
data "clientcreds_token_exchange" "orders" {
  issuer               = "https://keycloak.example.com/realms/shop"
  client_id            = "gateway"
  client_secret_env    = "GATEWAY_CLIENT_SECRET"
  subject_token        = data.clientcreds_token.gateway.access_token
  subject_token_type   = "access_token"
  requested_token_type = "access_token"
  audience             = "orders-api"
}
