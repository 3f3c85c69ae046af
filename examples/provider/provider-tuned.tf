# Transport settings, all optional, shown with their defaults where they
# have one.
provider "clientcreds" {
  request_timeout = "30s" # one HTTP attempt
  max_retries     = 3     # on connection errors, 429 and 5xx; never on other 4xx
  retry_wait_min  = "1s"
  retry_wait_max  = "30s"
  retry_budget    = "2m" # all attempts and waits of one request

  # A private CA for an internal identity provider.
  ca_cert_file = "${path.module}/corp-root-ca.pem"
}
