# Any RFC 7523 server (ORY Hydra with a trust relationship, say): the grant
# signed with the service's key, the client authenticated beside it.
data "clientcreds_token" "hydra" {
  token_url          = "https://hydra.example.com/oauth2/token"
  grant_type         = "jwt_bearer"
  assertion_issuer   = "https://ci.example.com"
  assertion_subject  = "deploy-bot"
  private_key_file   = "/run/secrets/ci-signing-key.pem"
  signing_algorithm  = "ES256"
  key_id             = "ci-2026"
  client_id          = "terraform"
  client_secret_file = "/run/secrets/hydra-client-secret"
  scopes             = ["deploy"]
}
