# Keycloak: one issuer per realm.
data "clientcreds_token" "keycloak" {
  issuer        = "https://sso.example.com/realms/platform"
  client_id     = "terraform"
  client_secret = var.keycloak_client_secret
  scopes        = ["openid", "profile"]
}
