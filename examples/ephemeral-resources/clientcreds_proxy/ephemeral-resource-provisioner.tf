# Without a provider to configure: a provisioner calls the API through the
# proxy's Unix socket, and never sees a token. The socket's path is not a
# secret (only the user running Terraform can open the socket), so it may
# go on curl's command line; the proxy's url must not.
ephemeral "clientcreds_proxy" "api" {
  token_url         = "https://idp.example.com/oauth2/token"
  client_id         = "deployer"
  client_secret_env = "DEPLOYER_SECRET"
  upstream          = "https://api.example.com"
  dpop              = true
}

resource "terraform_data" "migrate" {
  provisioner "local-exec" {
    # http://proxy/v1/migrations goes to https://api.example.com/v1/migrations;
    # the host name "proxy" is ignored.
    command     = "curl -fsS --unix-socket \"$API_SOCKET\" -X POST http://proxy/v1/migrations"
    environment = { API_SOCKET = ephemeral.clientcreds_proxy.api.socket_path }
  }
}
