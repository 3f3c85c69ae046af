# OutSystems ODC: discovery at the path-prefixed issuer, then a form-encoded
# POST to the discovered token endpoint. Tokens live 12 hours.
data "clientcreds_oidc_discovery" "odc" {
  issuer = "https://example.outsystems.app/identity"
}

data "clientcreds_token" "odc" {
  token_url     = data.clientcreds_oidc_discovery.odc.token_endpoint
  client_id     = var.odc_client_id
  client_secret = var.odc_client_secret
}
