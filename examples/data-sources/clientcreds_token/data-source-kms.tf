# private_key_jwt with a key that stays in AWS KMS: the alg follows the key
# (RS256 for RSA, ES256 for P-256) and the kid is its RFC 7638 thumbprint.
data "clientcreds_token" "kms" {
  issuer          = "https://example.okta.com/oauth2/default"
  client_id       = "0oa1b2c3d4e5f6g7h8i9"
  private_key_kms = "awskms:///arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  scopes          = ["api.read"]

  # FAPI 2.0 and draft-ietf-oauth-rfc7523bis: aud = the issuer, typ client-authentication+jwt.
  assertion_profile = "rfc7523bis"
}
