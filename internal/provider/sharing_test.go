package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// tokenBlocks declares n data sources; distinct gives each its own client.
func tokenBlocks(n int, kind, issuer string, distinct bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "data \"clientcreds_oidc_discovery\" \"d\" {\n  issuer = %q\n}\n", issuer)
	for i := range n {
		id, secret := "client-1", testSecret
		if distinct {
			id, secret = fmt.Sprintf("client-%d", i), fmt.Sprintf("%s-%d", testSecret, i)
		}
		fmt.Fprintf(&b, `%s "clientcreds_token" "t%d" {
  token_url     = data.clientcreds_oidc_discovery.d.token_endpoint
  client_id     = %q
  client_secret = %q
}
`, kind, i, id, secret)
	}
	return b.String()
}

// Fifty reads of one credential set in one plan cost one token request and
// one discovery request.
func TestAccFiftyIdenticalReadsOneRequest(t *testing.T) {
	srv := startServer(t, authserver.Options{IssuerPath: "/identity"})
	c := newCLI(t, "1.0.0", tokenBlocks(50, "data", srv.Issuer, false)+`
output "first" {
  value     = data.clientcreds_token.t0.access_token
  sensitive = true
}
output "last" {
  value     = data.clientcreds_token.t49.access_token
  sensitive = true
}`)
	c.run(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if n, d := len(srv.TokenRequests()), srv.DiscoveryRequests(); n != 1 || d != 1 {
		t.Errorf("50 identical reads: %d token and %d discovery requests; want 1 and 1", n, d)
	}
	first := strings.TrimSpace(c.run(nil, "output", "-raw", "first"))
	last := strings.TrimSpace(c.run(nil, "output", "-raw", "last"))
	if first != last || !srv.Issued(first) {
		t.Error("the 50 reads did not all get the one issued token")
	}
}

// Distinct credential sets each get their own token.
func TestAccDistinctCredentialsDistinctTokens(t *testing.T) {
	clients := map[string]string{}
	for i := range 20 {
		clients[fmt.Sprintf("client-%d", i)] = fmt.Sprintf("%s-%d", testSecret, i)
	}
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", Clients: clients})
	c := newCLI(t, "1.0.0", tokenBlocks(20, "data", srv.Issuer, true))
	c.run(nil, "plan", "-input=false", "-no-color")
	seen := map[string]bool{}
	for _, r := range srv.TokenRequests() {
		seen[r.ClientID] = true
	}
	if len(srv.TokenRequests()) != 20 || len(seen) != 20 {
		t.Errorf("%d token requests for %d clients; want 20 for 20", len(srv.TokenRequests()), len(seen))
	}
}

// With the persistent cache, plan then apply (two provider processes)
// costs one token request in all; the cache holds nothing readable.
func TestAccPersistentCachePlanThenApply(t *testing.T) {
	srv := startServer(t, authserver.Options{IssuerPath: "/identity"})
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
data "clientcreds_token" "t" {
  issuer        = %q
  client_id     = "client-1"
  client_secret = %q
}
resource "terraform_data" "uses" {
  input = sha256(data.clientcreds_token.t.access_token)
}
`, srv.Issuer, testSecret))
	cache := filepath.Join(t.TempDir(), "token-cache")
	env := []string{"CLIENTCREDS_CACHE_DIR=" + cache}
	c.run(env, "plan", "-input=false", "-no-color", "-out=tfplan")
	c.run(env, "apply", "-input=false", "-no-color", "tfplan")
	out := c.run(env, "plan", "-input=false", "-no-color", "-detailed-exitcode")
	if n := len(srv.TokenRequests()); n != 1 {
		t.Errorf("plan, apply and plan with the cache made %d token requests; want 1", n)
	}
	if !strings.Contains(out, "No changes") {
		t.Errorf("with the cache, the token is stable across runs, so a new plan should be empty:\n%s", out)
	}
	entries, err := os.ReadDir(cache)
	must(t, err)
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(cache, e.Name()))
		must(t, err)
		assertAbsent(t, "the cache entry "+e.Name(), string(raw), map[string]string{"token": srv.IssuedTokens()[0], "client secret": testSecret})
	}
	if len(entries) != 1 {
		t.Errorf("%d cache entries; want 1", len(entries))
	}
}
