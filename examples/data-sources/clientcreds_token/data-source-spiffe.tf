# A workload with a SPIFFE identity (a SPIRE agent, Istio, or a SPIFFE CSI
# driver mounting the Workload API socket at SPIFFE_ENDPOINT_SOCKET): its
# JWT-SVID is the client assertion for a Keycloak client that trusts the
# SPIRE server's OIDC discovery issuer.
data "clientcreds_token" "spiffe_to_keycloak" {
  issuer                     = "https://keycloak.example.com/realms/workloads"
  client_id                  = "spiffe-deployer"
  workload_identity          = "spiffe"
  workload_identity_audience = "https://keycloak.example.com/realms/workloads"
}
