# A module that keeps every token out of state and plan: an ephemeral token,
# revoked when Terraform is done with it, and an authenticating proxy that a
# provisioner calls the API through. A mocked clientcreds provider cannot
# stand in for them (Terraform 1.11 refuses ephemeral resources in mocks;
# OpenTofu 1.12 makes up values that cannot be set), so this module is tested
# against a real token server (live/) instead.

terraform {
  required_providers {
    clientcreds = { source = "clientcreds/clientcreds" }
  }
}

variable "issuer" {
  type = string
}

variable "client_id" {
  type = string
}

variable "client_secret_env" {
  type    = string
  default = "CLIENTCREDS_CLIENT_SECRET"
}

variable "response_file" {
  description = "Where the provisioner writes the API's answer."
  type        = string
  default     = "whoami.json"
}

variable "api_url" {
  description = "Base URL of the API the proxy forwards to."
  type        = string
}

ephemeral "clientcreds_token" "api" {
  issuer            = var.issuer
  client_id         = var.client_id
  client_secret_env = var.client_secret_env
  revoke_on_close   = true
}

ephemeral "clientcreds_proxy" "api" {
  issuer            = var.issuer
  client_id         = var.client_id
  client_secret_env = var.client_secret_env
  upstream          = var.api_url
}

# The provisioner sees only the proxy's loopback URL, never a token.
resource "terraform_data" "call_api" {
  provisioner "local-exec" {
    command     = "curl -fsS \"$API/api/whoami\" > \"$OUT\""
    environment = { API = ephemeral.clientcreds_proxy.api.url, OUT = var.response_file }
  }
}
