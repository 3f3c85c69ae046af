# Microsoft Entra ID workload identity federation: no secret at all. The
# Kubernetes projected service-account token (or a CI platform's OIDC token)
# is the client assertion; the file is read anew for every request, so the
# kubelet's rotation is picked up.
data "clientcreds_token" "entra_federated" {
  issuer                = "https://login.microsoftonline.com/${var.tenant_id}/v2.0"
  client_id             = var.entra_client_id
  client_assertion_file = "/var/run/secrets/azure/tokens/azure-identity-token"
  scopes                = ["api://${var.api_app_id}/.default"]
}
