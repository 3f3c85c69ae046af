# RFC 8414 authorization server metadata: the well-known path is inserted
# between host and path, at https://idp.example.com/.well-known/oauth-authorization-server/tenant-a
data "clientcreds_oidc_discovery" "rfc8414" {
  issuer     = "https://idp.example.com/tenant-a"
  well_known = "oauth-authorization-server"
}

# Entra ID's multi-tenant document names a templated issuer.
data "clientcreds_oidc_discovery" "entra_common" {
  issuer            = "https://login.microsoftonline.com/common/v2.0"
  skip_issuer_check = true
}
