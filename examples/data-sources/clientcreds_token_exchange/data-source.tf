# Keycloak standard token exchange: the client authenticates, and trades a
# token it was handed (here by the job running Terraform, in an environment
# variable) for one whose audience is another client of the realm, with a
# narrower scope.
data "clientcreds_token_exchange" "orders" {
  issuer               = "https://keycloak.example.com/realms/shop"
  client_id            = "gateway"
  client_secret_env    = "GATEWAY_CLIENT_SECRET"
  subject_token_env    = "GATEWAY_ACCESS_TOKEN"
  subject_token_type   = "access_token"
  requested_token_type = "access_token"
  audience             = "orders-api"
  scopes               = ["orders:read"]
}
