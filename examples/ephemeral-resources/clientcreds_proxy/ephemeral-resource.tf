# The API provider talks to the proxy on 127.0.0.1; the proxy forwards each
# request to the API with a token it keeps fresh for the whole apply, however
# long the apply and however short the token.
ephemeral "clientcreds_proxy" "api" {
  issuer          = "https://login.example.com/oauth2/default"
  client_id       = var.client_id
  client_secret   = var.client_secret # declare it with ephemeral = true
  scopes          = ["inventory.write"]
  upstream        = "https://api.example.com/v2"
  revoke_on_close = true
}

provider "restapi" {
  uri                  = ephemeral.clientcreds_proxy.api.url
  write_returns_object = true
}
