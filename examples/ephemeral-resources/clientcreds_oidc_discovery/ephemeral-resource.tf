# Discovery as an ephemeral resource, for configurations whose whole token
# flow stays out of state.
ephemeral "clientcreds_oidc_discovery" "odc" {
  issuer = "https://example.outsystems.app/identity"
}

ephemeral "clientcreds_token" "odc" {
  token_url     = ephemeral.clientcreds_oidc_discovery.odc.token_endpoint
  client_id     = var.odc_client_id
  client_secret = var.odc_client_secret
}
