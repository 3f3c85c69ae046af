# A runner fleet shares one token per credential set through Redis. The
# password comes from the runner's environment, never the configuration.
provider "clientcreds" {
  cache {
    redis {
      url          = "rediss://tokens.cache.internal:6380/0"
      password_env = "CLIENTCREDS_REDIS_PASSWORD"
      ca_cert_file = "/etc/ssl/internal-ca.pem"
    }
  }
}
