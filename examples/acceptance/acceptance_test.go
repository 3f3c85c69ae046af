// Package acceptance shows how another provider's acceptance tests use
// clientcreds offline: the token server from package oauthtest runs inside
// the test, and the provider is served in-process from package
// clientcredsprovider through ProtoV6ProviderFactories. It imports only
// public packages, from a Go module of its own, as another provider would.
//
//	TF_ACC=1 go test ./...
package acceptance

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clientcreds/terraform-provider-clientcreds/clientcredsprovider"
	"github.com/clientcreds/terraform-provider-clientcreds/oauthtest"
)

// factories serves clientcreds beside the provider under test; a real
// provider adds its own entry here.
func factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"clientcreds": clientcredsprovider.ProtoV6ProviderServerFactory("test"),
	}
}

// issuedBy checks that a value is a token the server issued.
func issuedBy(srv *oauthtest.Server) knownvalue.Check {
	return knownvalue.StringFunc(func(v string) error {
		if !srv.Issued(v) {
			return fmt.Errorf("a %d-character value that the server did not issue", len(v))
		}
		return nil
	})
}

// applyAndCheck is an acceptance test of one step: config is applied with
// the providers of factories, then the state checks run.
func applyAndCheck(t *testing.T, config string, checks ...statecheck.StateCheck) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(),
		Steps:                    []resource.TestStep{{Config: config, ConfigStateChecks: checks}},
	})
}

func TestAccTokenFromTheLocalServer(t *testing.T) {
	srv := oauthtest.Start(t, oauthtest.Options{
		IssuerPath:    "/identity",
		TokenLifetime: 2 * time.Hour,
		Clients:       []oauthtest.Client{{ID: "ci", Secret: "acceptance-secret", Scopes: []string{"read"}}},
	})
	applyAndCheck(t, fmt.Sprintf(`
data "clientcreds_token" "api" {
  issuer        = %q
  client_id     = %q
  client_secret = %q
  scopes        = ["read"]
}
`, srv.Issuer, srv.ClientID, srv.ClientSecret),
		statecheck.ExpectKnownValue("data.clientcreds_token.api", tfjsonpath.New("access_token"), issuedBy(srv)),
		statecheck.ExpectKnownValue("data.clientcreds_token.api", tfjsonpath.New("expires_in"), knownvalue.Int64Exact(7200)),
		statecheck.ExpectKnownValue("data.clientcreds_token.api", tfjsonpath.New("scope"), knownvalue.StringExact("read")),
	)
	if st := srv.Stats(); st.TokensIssued == 0 || st.DiscoveryRequests == 0 {
		t.Errorf("the server issued %d tokens after %d discovery requests", st.TokensIssued, st.DiscoveryRequests)
	}
}

// A 429 with Retry-After is retried, and the test can count it.
func TestAccRetriesAFault(t *testing.T) {
	srv := oauthtest.Start(t, oauthtest.Options{})
	srv.SetFaults(oauthtest.Faults{TooManyRequests: 1, RetryAfter: oauthtest.Duration(time.Second)})
	applyAndCheck(t, fmt.Sprintf(`
data "clientcreds_token" "api" {
  token_url     = %q
  client_id     = %q
  client_secret = %q
}
`, srv.TokenURL(), srv.ClientID, srv.ClientSecret),
		statecheck.ExpectKnownValue("data.clientcreds_token.api", tfjsonpath.New("access_token"), issuedBy(srv)),
	)
	if st := srv.Stats(); st.Faulted != 1 {
		t.Errorf("%d faulted requests; want the one 429", st.Faulted)
	}
}
