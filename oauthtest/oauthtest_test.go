package oauthtest

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{}, ""},
		{Options{Clients: []Client{{ID: "a"}}}, `Clients[0] ("a"): needs a Secret or a PublicKey`},
		{Options{Clients: []Client{{Secret: "x"}}}, `Clients[0]: no ID`},
		{Options{Clients: []Client{{ID: "a", Secret: "x"}, {ID: "a", Secret: "y"}}}, `Clients[1]: client "a" registered twice`},
		{Options{Body: "xml"}, `Body "xml"`},
		{Options{IssuerPath: "identity"}, `IssuerPath "identity"`},
		{Options{TokenLifetime: -1}, `TokenLifetime`},
	} {
		err := c.opts.Validate()
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: %v; want %q", c.opts, err, c.want)
		}
	}
}

func TestDefaultsAndEnv(t *testing.T) {
	s := Start(t, Options{IssuerPath: "/identity/", Admin: true})
	if s.ClientID != "test-client" || len(s.ClientSecret) < 20 || !strings.HasSuffix(s.Issuer, "/identity") {
		t.Errorf("defaults: %q %d-character secret, issuer %s", s.ClientID, len(s.ClientSecret), s.Issuer)
	}
	var names []string
	for _, kv := range s.Env() {
		names = append(names, kv[0])
	}
	if got := strings.Join(names, " "); got != "CLIENTCREDS_ISSUER CLIENTCREDS_TOKEN_URL CLIENTCREDS_DISCOVERY_URL CLIENTCREDS_API_URL CLIENTCREDS_CLIENT_ID CLIENTCREDS_CLIENT_SECRET CLIENTCREDS_STATS_URL" {
		t.Errorf("Env names: %s", got)
	}
}
