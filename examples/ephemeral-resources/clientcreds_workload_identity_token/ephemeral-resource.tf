# The job's own identity token, for a tool that takes one: here the Azure
# CLI's federated login, in a provisioner. Never stored in state or a plan.
ephemeral "clientcreds_workload_identity_token" "github" {
  workload_identity = "github_actions"
  audience          = "api://AzureADTokenExchange"
}

resource "terraform_data" "az_login" {
  provisioner "local-exec" {
    command = "az login --service-principal -u \"$APP\" -t \"$TENANT\" --federated-token \"$ID_TOKEN\""
    environment = {
      APP      = var.entra_client_id
      TENANT   = var.tenant_id
      ID_TOKEN = ephemeral.clientcreds_workload_identity_token.github.token
    }
  }
}
