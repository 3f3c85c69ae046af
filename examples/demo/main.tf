# The demo `make demo` runs against the project's local authorization server:
# discovery at a path-prefixed issuer (as OutSystems ODC publishes it), a token
# for the outputs, and an ephemeral token that calls a protected API and is
# never stored.
terraform {
  required_providers {
    clientcreds = {
      source = "clientcreds/clientcreds"
    }
  }
}

variable "issuer" {
  type = string
}

variable "api_url" {
  type = string
}

variable "api_client" {
  description = "Path of the demo's API client (internal/cmd/apicall)."
  type        = string
}

variable "client_secret" {
  type      = string
  sensitive = true
}

provider "clientcreds" {}

data "clientcreds_oidc_discovery" "demo" {
  issuer = var.issuer
}

data "clientcreds_token" "demo" {
  token_url     = data.clientcreds_oidc_discovery.demo.token_endpoint
  client_id     = "demo-client"
  client_secret = var.client_secret
  scopes        = ["read"]
}

ephemeral "clientcreds_token" "api" {
  issuer          = var.issuer
  client_id       = "demo-client"
  client_secret   = var.client_secret
  revoke_on_close = true
}

# Calls the protected API with the ephemeral token. Terraform hides the
# command's output because its environment is sensitive, so the answer goes
# to a file that `make demo` prints.
resource "terraform_data" "call_api" {
  provisioner "local-exec" {
    command = "\"$API_CLIENT\" \"$API_URL\" > api-response.txt"
    environment = {
      TOKEN      = ephemeral.clientcreds_token.api.access_token
      API_URL    = var.api_url
      API_CLIENT = var.api_client
    }
  }
}

output "token_endpoint" {
  value = data.clientcreds_oidc_discovery.demo.token_endpoint
}

output "token" {
  description = "Token metadata; the token itself is sensitive and not shown."
  value = {
    token_type  = data.clientcreds_token.demo.token_type
    expires_in  = data.clientcreds_token.demo.expires_in
    expires_at  = data.clientcreds_token.demo.expires_at
    scope       = data.clientcreds_token.demo.scope
    auth_method = data.clientcreds_token.demo.auth_method
  }
}
