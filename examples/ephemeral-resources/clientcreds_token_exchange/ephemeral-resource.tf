# Delegation, kept out of state: a release pipeline trades the approver's
# token (written to a file by the approval step) for one for the cluster's
# API server, the GitHub Actions job itself named as the actor (RFC 8693
# §1.1), and configures the kubernetes provider with it. Neither token is
# written to state or to a saved plan.
ephemeral "clientcreds_token_exchange" "deploy" {
  issuer                           = "https://sts.example.com"
  client_id                        = "release-pipeline"
  client_secret_env                = "RELEASE_PIPELINE_SECRET"
  subject_token_file               = var.approval_token_file
  subject_token_type               = "access_token"
  actor_workload_identity          = "github_actions"
  actor_workload_identity_audience = "https://sts.example.com"
  audience                         = "kubernetes-api"
}

provider "kubernetes" {
  host                   = var.cluster_endpoint
  cluster_ca_certificate = file(var.cluster_ca_file)
  token                  = ephemeral.clientcreds_token_exchange.deploy.access_token
}
