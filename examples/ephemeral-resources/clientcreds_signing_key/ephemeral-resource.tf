# The public key of a PEM key in a file, without the file's path in state.
ephemeral "clientcreds_signing_key" "local" {
  private_key_file = "/run/secrets/client.key"
}
