package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Every entry point gets its token through the one fetch, and so gets
// what the fetch adds to every token: here, the warning for a token that
// is not a Bearer token. The proxy once fetched beside it and gave none.
func TestAccEveryEntryPointGoesThroughTheOneFetch(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprint(w, `{"access_token":"mac-token-value-1234","token_type":"MAC","expires_in":3600,"issued_token_type":"urn:ietf:params:oauth:token-type:access_token"}`)
	}))
	t.Cleanup(srv.Close)
	token := fmt.Sprintf(`
  token_url     = "%s/token"
  client_id     = "client-1"
  client_secret = %q`, srv.URL, testSecret)
	exchange := token + `
  subject_token = "subject-token-value-5678"`
	for _, tc := range []struct{ name, minVersion, block string }{
		{"data clientcreds_token", "1.0.0", `data "clientcreds_token" "t" {` + token + "\n}"},
		{"ephemeral clientcreds_token", "1.10.0", `ephemeral "clientcreds_token" "t" {` + token + "\n}"},
		{"data clientcreds_token_exchange", "1.0.0", `data "clientcreds_token_exchange" "t" {` + exchange + "\n}"},
		{"ephemeral clientcreds_token_exchange", "1.10.0", `ephemeral "clientcreds_token_exchange" "t" {` + exchange + "\n}"},
		{"ephemeral clientcreds_proxy", "1.10.0", `ephemeral "clientcreds_proxy" "t" {` + token + "\n  upstream = \"" + srv.URL + "/api\"\n}"},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			c := newCLI(t, tc.minVersion, tc.block)
			out := c.run(nil, "plan", "-input=false", "-no-color")
			if !phrase("Token Is Not a Bearer Token", `"MAC"`).MatchString(out) {
				t.Errorf("%s: no warning from the one fetch:\n%s", tc.name, out)
			}
		})
	}
}
