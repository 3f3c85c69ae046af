// Package testconfig writes the Terraform configurations that tests and
// benchmarks generate: many token reads over a few credential sets.
package testconfig

import (
	"fmt"
	"strings"
)

// Clients is a set of credentials: n clients named client-0 … client-(n-1),
// each with secret base-i (or base itself when there is one client).
type Clients struct {
	N    int
	Base string
}

// ID and Secret are the credentials of client i.
func (c Clients) ID(i int) string { return fmt.Sprintf("client-%d", i%c.N) }

func (c Clients) Secret(i int) string {
	if c.N == 1 {
		return c.Base
	}
	return fmt.Sprintf("%s-%d", c.Base, i%c.N)
}

// Map is the credentials as a server's client table.
func (c Clients) Map() map[string]string {
	m := map[string]string{}
	for i := range c.N {
		m[c.ID(i)] = c.Secret(i)
	}
	return m
}

// TokenBlocks declares one discovery data source for issuer and n
// clientcreds_token blocks of kind ("data" or "ephemeral"), t0 … t(n-1),
// block i reading with client i of clients (cycling through them).
func TokenBlocks(kind, issuer string, n int, clients Clients) string {
	var b strings.Builder
	fmt.Fprintf(&b, "data \"clientcreds_oidc_discovery\" \"d\" {\n  issuer = %q\n}\n", issuer)
	for i := range n {
		fmt.Fprintf(&b, "%s \"clientcreds_token\" \"t%d\" {\n  token_url     = data.clientcreds_oidc_discovery.d.token_endpoint\n"+
			"  client_id     = %q\n  client_secret = %q\n}\n", kind, i, clients.ID(i), clients.Secret(i))
	}
	return b.String()
}
