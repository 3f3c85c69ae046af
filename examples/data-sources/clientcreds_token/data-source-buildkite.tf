# A Buildkite job with no secret: the provider asks the job's agent for an
# OIDC token (`buildkite-agent oidc request-token --audience ...`) for every
# request, and sends it to a Keycloak client that trusts Buildkite's issuer.
data "clientcreds_token" "buildkite_to_keycloak" {
  issuer                     = "https://keycloak.example.com/realms/ci"
  client_id                  = "buildkite-deployer"
  workload_identity          = "buildkite"
  workload_identity_audience = "https://keycloak.example.com/realms/ci"
}
