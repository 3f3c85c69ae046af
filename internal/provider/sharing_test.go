package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testconfig"
)

// Fifty reads of one credential set in one plan cost one token request and
// one discovery request.
func TestAccFiftyIdenticalReadsOneRequest(t *testing.T) {
	t.Parallel()
	one := testconfig.Clients{N: 1, Base: testSecret}
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", Clients: one.Map()})
	c := newCLI(t, "1.0.0", testconfig.TokenBlocks("data", srv.Issuer, 50, one)+`
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
	t.Parallel()
	clients := testconfig.Clients{N: 20, Base: testSecret}
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", Clients: clients.Map()})
	c := newCLI(t, "1.0.0", testconfig.TokenBlocks("data", srv.Issuer, 20, clients))
	c.run(nil, "plan", "-input=false", "-no-color")
	seen := map[string]bool{}
	for _, r := range srv.TokenRequests() {
		seen[r.ClientID] = true
	}
	if len(srv.TokenRequests()) != 20 || len(seen) != 20 {
		t.Errorf("%d token requests for %d clients; want 20 for 20", len(srv.TokenRequests()), len(seen))
	}
}

// Two hundred token data sources, twenty credential sets, read in parallel
// by Terraform: every read gets a token issued to its own client, and each
// credential set costs one request.
func TestAccTwoHundredDataSources(t *testing.T) {
	t.Parallel()
	const sources = 200
	clients := testconfig.Clients{N: 20, Base: testSecret}
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", Clients: clients.Map()})
	var outputs []string
	for i := range sources {
		outputs = append(outputs, fmt.Sprintf("    t%d = data.clientcreds_token.t%d.access_token", i, i))
	}
	c := newCLI(t, "1.0.0", testconfig.TokenBlocks("data", srv.Issuer, sources, clients)+
		fmt.Sprintf("output \"tokens\" {\n  sensitive = true\n  value = {\n%s\n  }\n}\n", strings.Join(outputs, "\n")))
	c.run(nil, "apply", "-auto-approve", "-input=false", "-no-color")

	var tokens map[string]string
	must(t, json.Unmarshal([]byte(c.run(nil, "output", "-json", "tokens")), &tokens))
	if len(tokens) != sources {
		t.Fatalf("%d tokens in the output; want %d", len(tokens), sources)
	}
	wrong := 0
	for i := range sources {
		if got := srv.ClientOf(tokens[fmt.Sprintf("t%d", i)]); got != clients.ID(i) {
			wrong++
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d reads got a token that is not their client's", wrong, sources)
	}
	if n := len(srv.TokenRequests()); n != clients.N {
		t.Errorf("%d token requests for %d credential sets", n, clients.N)
	}
}

// With the persistent cache, plan then apply (two provider processes)
// costs one token request in all; the cache holds nothing readable.
func TestAccPersistentCachePlanThenApply(t *testing.T) {
	t.Parallel()
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
