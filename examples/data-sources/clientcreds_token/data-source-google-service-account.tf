# A Google service account's key file: the issuer, key, key ID and token
# endpoint come from it, and the scopes travel in the signed assertion.
data "clientcreds_token" "google" {
  grant_type               = "jwt_bearer"
  service_account_key_file = "/run/secrets/deployer-sa.json"
  scopes                   = ["https://www.googleapis.com/auth/cloud-platform"]
}
