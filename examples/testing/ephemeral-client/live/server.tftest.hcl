# Against clientcreds-token-server (see ../api-client/live): the real
# provider opens the ephemeral token and the proxy, the provisioner calls the
# server's protected API through the proxy, and nothing secret is stored.

run "ephemeral_token_and_proxy" {
  command = apply

  # An assertion cannot name ephemeral.clientcreds_token.api: Terraform
  # closes ephemeral resources before it evaluates assertions ("Ephemeral
  # resources cannot be asserted"). Assert on what they did instead; that
  # closing the token revoked it shows in the server's /stats, which
  # scripts/test-examples.sh checks.
  assert {
    condition     = jsondecode(file(var.response_file)).client_id == var.client_id
    error_message = "The API did not accept the proxy's token."
  }
}
