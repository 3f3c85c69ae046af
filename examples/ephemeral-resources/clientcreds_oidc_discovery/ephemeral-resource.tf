# Discovery as an ephemeral resource, for configurations that keep even the
# server's metadata out of state: here a provider that runs its own client
# credentials flow needs only the token endpoint the document names.
ephemeral "clientcreds_oidc_discovery" "odc" {
  issuer = "https://example.outsystems.app/identity"
}

provider "restapi" {
  uri = "https://example.outsystems.app/api"
  oauth_client_credentials {
    oauth_client_id      = var.odc_client_id
    oauth_client_secret  = var.odc_client_secret
    oauth_token_endpoint = ephemeral.clientcreds_oidc_discovery.odc.token_endpoint
  }
}
