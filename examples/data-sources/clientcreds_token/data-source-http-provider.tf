# The token in the Authorization header of the hashicorp/http data source.
# Data sources take no ephemeral values, so this path uses the data source;
# client_secret_env keeps the secret out of state and saved plans (only the
# variable's name is stored). The token itself is in state: keep it short-lived.
data "clientcreds_token" "api" {
  token_url         = "https://idp.example.com/oauth2/token"
  client_id         = var.client_id
  client_secret_env = "INVENTORY_CLIENT_SECRET"
  scopes            = ["inventory:read"]
}

data "http" "inventory" {
  url = "https://api.example.com/v1/inventory"
  request_headers = {
    Accept        = "application/json"
    Authorization = "${data.clientcreds_token.api.token_type} ${data.clientcreds_token.api.access_token}"
  }
}
