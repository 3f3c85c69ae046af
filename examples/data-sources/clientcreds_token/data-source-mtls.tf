# Mutual TLS client authentication (RFC 8705). When discovery publishes
# mtls_endpoint_aliases, the request goes to the mTLS token endpoint. The
# certificate can also be set once, on the provider (client_certificate_pem,
# client_private_key_pem), for every token read.
data "clientcreds_token" "mtls" {
  issuer           = "https://idp.example.com"
  client_id        = "payments-batch"
  auth_method      = "tls_client_auth"
  certificate_file = "${path.module}/tls/client.crt"
  private_key_file = "${path.module}/tls/client.key"
}
