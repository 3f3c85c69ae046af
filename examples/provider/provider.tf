terraform {
  required_providers {
    clientcreds = {
      source = "clientcreds/clientcreds"
    }
  }
}

# Every attribute is optional; this is a complete configuration.
provider "clientcreds" {}
