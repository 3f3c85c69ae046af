# OpenID Connect discovery at a path-prefixed issuer.
data "clientcreds_oidc_discovery" "odc" {
  issuer = "https://example.outsystems.app/identity"
}

output "token_endpoint" {
  value = data.clientcreds_oidc_discovery.odc.token_endpoint
}
