# Self-hosted Redis or Valkey: a primary with replicas watched by three
# sentinels, all with TLS and client certificates. The URL names the
# sentinels; the password is the data nodes', the sentinel block's the
# sentinels' own.
provider "clientcreds" {
  cache {
    redis {
      url              = "rediss://sentinel-1.cache.internal:26379/0?addr=sentinel-2.cache.internal:26379&addr=sentinel-3.cache.internal:26379"
      password_env     = "CLIENTCREDS_REDIS_PASSWORD"
      ca_cert_file     = "/etc/ssl/cache-ca.pem"
      client_cert_file = "/etc/ssl/runner.pem"
      client_key_file  = "/etc/ssl/private/runner-key.pem"
      cluster_networks = ["10.30.0.0/24"]

      sentinel {
        master_name  = "tokens"
        password_env = "CLIENTCREDS_SENTINEL_PASSWORD"
      }
    }
  }
}
