# Unit tests of the module with a mocked clientcreds provider: no identity
# provider, no network, no secret. The provider binary must still be
# installed (terraform init, or a dev_overrides CLI configuration): a mock
# takes its schema from it.

mock_provider "clientcreds" {
  mock_data "clientcreds_oidc_discovery" {
    defaults = {
      token_endpoint = "https://idp.example.com/oauth2/token"
    }
  }

  mock_data "clientcreds_token" {
    defaults = {
      access_token = "mock-access-token"
      token_type   = "Bearer"
      expires_in   = 3600
      expires_at   = "2030-01-01T01:00:00Z"
    }
  }

  mock_data "clientcreds_token_exchange" {
    defaults = {
      access_token      = "mock-exchanged-token"
      token_type        = "Bearer"
      issued_token_type = "urn:ietf:params:oauth:token-type:access_token"
    }
  }
}

variables {
  issuer    = "https://idp.example.com"
  client_id = "app"
}

run "header_from_mocked_token" {
  command = plan

  # output.authorization is sensitive: comparing it is fine, and a failing
  # assertion shows neither side.
  assert {
    condition     = output.authorization == "Bearer mock-access-token"
    error_message = "The Authorization header is not built from the token."
  }

  assert {
    condition     = output.downstream_authorization == "Bearer mock-exchanged-token"
    error_message = "The downstream header is not built from the exchanged token."
  }

  assert {
    condition     = issensitive(output.authorization) && !issensitive(output.token_endpoint)
    error_message = "Only the token outputs should be sensitive."
  }

  assert {
    condition     = output.token_endpoint == "https://idp.example.com/oauth2/token"
    error_message = "The token endpoint does not come from discovery."
  }
}

run "one_instance_overridden" {
  command = plan

  # override_data replaces one data source's results in this run only; the
  # others keep the mock_data defaults.
  override_data {
    target = data.clientcreds_token.api
    values = {
      access_token = "overridden-token"
      token_type   = "DPoP"
    }
  }

  assert {
    condition     = output.authorization == "DPoP overridden-token"
    error_message = "The header does not follow the token type."
  }

  assert {
    # nonsensitive() on a value the test itself made up is safe.
    condition     = nonsensitive(data.clientcreds_token_exchange.downstream.access_token) == "mock-exchanged-token"
    error_message = "The exchange should keep its mock_data default."
  }
}

run "unset_attributes_are_made_up" {
  command = plan

  # An attribute without a default gets a generated value of its type:
  # a random string here, never a real token.
  assert {
    condition     = length(data.clientcreds_token_exchange.downstream.scope) > 0
    error_message = "A computed attribute without a default should be generated."
  }
}
