# ElastiCache for Redis OSS or Valkey with cluster mode on and in-transit
# encryption: the configuration endpoint, repeated as ?addr= to select the
# cluster client, and the VPC network its nodes are in (the slot map names
# the nodes, which the client reaches only inside cluster_networks).
provider "clientcreds" {
  cache {
    redis {
      url              = "rediss://clustercfg.tokens.abc123.use1.cache.amazonaws.com:6379?addr=clustercfg.tokens.abc123.use1.cache.amazonaws.com:6379"
      password_env     = "CLIENTCREDS_REDIS_AUTH_TOKEN"
      cluster_networks = ["10.20.0.0/16"]
    }
  }
}
