# Integration test of the same module against a real token server on
# loopback, started beforehand with clientcreds-token-server:
#
#   clientcreds-token-server -client app=env:APP_SECRET -issuer-path /identity -env-file server.env &
#   . ./server.env   # CLIENTCREDS_ISSUER, CLIENTCREDS_CLIENT_ID, CLIENTCREDS_CLIENT_SECRET, ...
#   TF_VAR_issuer=$CLIENTCREDS_ISSUER TF_VAR_client_id=$CLIENTCREDS_CLIENT_ID terraform test -test-directory=live
#
# The real provider runs; the secret stays in the environment.

run "real_tokens" {
  command = apply

  assert {
    condition     = output.token_endpoint == "${var.issuer}/token"
    error_message = "Discovery did not name the server's token endpoint."
  }

  assert {
    condition     = startswith(nonsensitive(output.authorization), "Bearer ") && length(nonsensitive(output.authorization)) > 20
    error_message = "No Bearer token came back."
  }

  assert {
    condition     = data.clientcreds_token.api.expires_in == 43200 && data.clientcreds_token.api.scope == "read"
    error_message = "The token's lifetime or scope is not what the server grants."
  }

  assert {
    condition     = data.clientcreds_token_exchange.downstream.issued_token_type == "urn:ietf:params:oauth:token-type:access_token"
    error_message = "The exchange did not issue an access token."
  }
}
