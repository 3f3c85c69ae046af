# The token in the Authorization header of the hashicorp/http data source.
data "clientcreds_token" "api" {
  token_url     = "https://idp.example.com/oauth2/token"
  client_id     = var.client_id
  client_secret = var.client_secret
  scopes        = ["inventory:read"]
}

data "http" "inventory" {
  url = "https://api.example.com/v1/inventory"
  request_headers = {
    Accept        = "application/json"
    Authorization = "${data.clientcreds_token.api.token_type} ${data.clientcreds_token.api.access_token}"
  }
}
