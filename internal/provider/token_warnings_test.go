package provider

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// A token that is not a Bearer token is handed back with its type, and the
// plan warns that it cannot be sent as "Authorization: Bearer".
func TestAccTokenTypeNotBearerWarns(t *testing.T) {
	srv := startServer(t, authserver.Options{TokenHandler: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"dpop-bound-token","token_type":"DPoP","expires_in":300}`)
	}})
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
data "clientcreds_token" "t" {
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q
}
output "type" {
  value = data.clientcreds_token.t.token_type
}`, srv.TokenURL(), testSecret))
	out := c.run(nil, "plan", "-input=false", "-no-color")
	if !phrase("Warning: Token Is Not a Bearer Token", `type "DPoP"`).MatchString(out) {
		t.Errorf("no warning for a DPoP token in:\n%s", out)
	}
	if !phrase(`type = "DPoP"`).MatchString(out) {
		t.Errorf("token_type not exposed:\n%s", out)
	}
}
