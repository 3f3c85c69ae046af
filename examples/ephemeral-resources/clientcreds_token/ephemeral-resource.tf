# The token is minted when Terraform opens the resource (once in plan, once
# in apply) and never written to state or to a saved plan. Declare the secret
# as an ephemeral variable too, or a saved plan would carry it.
variable "client_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}

ephemeral "clientcreds_token" "api" {
  issuer          = "https://example.outsystems.app/identity"
  client_id       = var.client_id
  client_secret   = var.client_secret
  revoke_on_close = true
}

# Ephemeral values can configure providers...
provider "restapi" {
  uri = "https://api.example.com"
  headers = {
    Authorization = "Bearer ${ephemeral.clientcreds_token.api.access_token}"
  }
}

# ...and reach provisioners.
resource "terraform_data" "smoke_test" {
  provisioner "local-exec" {
    command = "curl -fsS -H \"Authorization: Bearer $TOKEN\" https://api.example.com/health"
    environment = {
      TOKEN = ephemeral.clientcreds_token.api.access_token
    }
  }
}
