package provider

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// Two hundred token data sources, twenty credential sets, read in parallel
// by Terraform: every read gets a token issued to its own client, and each
// credential set costs one request.
func TestAccTwoHundredDataSources(t *testing.T) {
	const sources, clients = 200, 20
	secrets := map[string]string{}
	for i := range clients {
		secrets[fmt.Sprintf("client-%d", i)] = fmt.Sprintf("%s-%d", testSecret, i)
	}
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", Clients: secrets})
	var b strings.Builder
	fmt.Fprintf(&b, "data \"clientcreds_oidc_discovery\" \"d\" {\n  issuer = %q\n}\n", srv.Issuer)
	var outputs []string
	for i := range sources {
		id := fmt.Sprintf("client-%d", i%clients)
		fmt.Fprintf(&b, `data "clientcreds_token" "t%d" {
  token_url     = data.clientcreds_oidc_discovery.d.token_endpoint
  client_id     = %q
  client_secret = %q
}
`, i, id, secrets[id])
		outputs = append(outputs, fmt.Sprintf("    t%d = data.clientcreds_token.t%d.access_token", i, i))
	}
	fmt.Fprintf(&b, "output \"tokens\" {\n  sensitive = true\n  value = {\n%s\n  }\n}\n", strings.Join(outputs, "\n"))
	c := newCLI(t, "1.0.0", b.String())
	c.run(nil, "apply", "-auto-approve", "-input=false", "-no-color")

	var tokens map[string]string
	must(t, json.Unmarshal([]byte(c.run(nil, "output", "-json", "tokens")), &tokens))
	if len(tokens) != sources {
		t.Fatalf("%d tokens in the output; want %d", len(tokens), sources)
	}
	wrong := 0
	for i := range sources {
		if got := srv.ClientOf(tokens[fmt.Sprintf("t%d", i)]); got != fmt.Sprintf("client-%d", i%clients) {
			wrong++
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d reads got a token that is not their client's", wrong, sources)
	}
	if n := len(srv.TokenRequests()); n != clients {
		t.Errorf("%d token requests for %d credential sets", n, clients)
	}
}
