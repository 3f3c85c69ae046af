# The public half of a key held by AWS KMS, to register with the identity
# provider; the private half never leaves KMS.
data "clientcreds_signing_key" "ci" {
  private_key_kms = "awskms:///alias/terraform-ci"
}

output "jwks" {
  value = data.clientcreds_signing_key.ci.jwks # {"keys":[{"kty":"RSA","kid":"...","alg":"RS256","use":"sig",...}]}
}
