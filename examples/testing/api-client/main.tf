# A small module under test: it discovers an issuer, gets a client-credentials
# token, exchanges it for a token for a downstream API, and hands both on as
# Authorization header values. The secret is read from an environment
# variable when the token is requested, so it never reaches state.

terraform {
  required_providers {
    clientcreds = { source = "clientcreds/clientcreds" }
  }
}

variable "issuer" {
  type        = string
  description = "Issuer URL of the identity provider."
}

variable "client_id" {
  type = string
}

variable "client_secret_env" {
  type        = string
  description = "Environment variable holding the client secret."
  default     = "CLIENTCREDS_CLIENT_SECRET"
}

variable "scopes" {
  type    = list(string)
  default = ["read"]
}

variable "downstream_audience" {
  type    = string
  default = "api://downstream"
}

data "clientcreds_oidc_discovery" "idp" {
  issuer = var.issuer
}

data "clientcreds_token" "api" {
  token_url         = data.clientcreds_oidc_discovery.idp.token_endpoint
  client_id         = var.client_id
  client_secret_env = var.client_secret_env
  scopes            = var.scopes
}

data "clientcreds_token_exchange" "downstream" {
  token_url          = data.clientcreds_oidc_discovery.idp.token_endpoint
  client_id          = var.client_id
  client_secret_env  = var.client_secret_env
  subject_token      = data.clientcreds_token.api.access_token
  subject_token_type = "access_token"
  audience           = var.downstream_audience
}

output "authorization" {
  description = "Authorization header value for the API."
  value       = "${data.clientcreds_token.api.token_type} ${data.clientcreds_token.api.access_token}"
  sensitive   = true
}

output "downstream_authorization" {
  description = "Authorization header value for the downstream API."
  value       = "Bearer ${data.clientcreds_token_exchange.downstream.access_token}"
  sensitive   = true
}

output "token_endpoint" {
  value = data.clientcreds_oidc_discovery.idp.token_endpoint
}

output "expires_at" {
  value = data.clientcreds_token.api.expires_at
}
