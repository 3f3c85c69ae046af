# Without a provider to configure: a provisioner calls the API through the
# proxy, and never sees a token.
ephemeral "clientcreds_proxy" "api" {
  token_url         = "https://idp.example.com/oauth2/token"
  client_id         = "deployer"
  client_secret_env = "DEPLOYER_SECRET"
  upstream          = "https://api.example.com"
  dpop              = true
}

resource "terraform_data" "migrate" {
  provisioner "local-exec" {
    command     = "curl -fsS -X POST \"$API/v1/migrations\""
    environment = { API = ephemeral.clientcreds_proxy.api.url }
  }
}
