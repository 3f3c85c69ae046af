# Keycloak with "Signed JWT" client authentication: the provider signs an
# RFC 7523 assertion with the client's private key for every request.
data "clientcreds_token" "keycloak_jwt" {
  issuer            = "https://sso.example.com/realms/platform"
  client_id         = "terraform"
  auth_method       = "private_key_jwt"
  private_key_file  = "${path.module}/keys/terraform-client.pem" # RSA, ECDSA or Ed25519, PEM
  signing_algorithm = "ES256"
  key_id            = "terraform-2026" # the kid registered in the client's JWKS
}

# Keycloak's "Signed JWT with Client Secret".
data "clientcreds_token" "keycloak_hmac" {
  issuer            = "https://sso.example.com/realms/platform"
  client_id         = "reporting"
  client_secret     = var.reporting_client_secret # at least 32 bytes for HS256
  auth_method       = "client_secret_jwt"
  signing_algorithm = "HS256"
}
