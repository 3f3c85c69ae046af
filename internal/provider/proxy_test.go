package provider

import (
	"fmt"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// The provider reaches token endpoints through the proxy that HTTP_PROXY
// names. The local server plays the proxy: the request for a host that does
// not exist arrives there, in absolute form, and is answered.
func TestAccProxyFromEnvironment(t *testing.T) {
	t.Parallel()
	proxy := startServer(t, authserver.Options{})
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
provider "clientcreds" {
  allow_insecure_http = true
}
data "clientcreds_token" "t" {
  token_url     = "http://idp.invalid/token"
  client_id     = "client-1"
  client_secret = %q
}`, testSecret))
	c.run([]string{"HTTP_PROXY=" + proxy.URL, "http_proxy=" + proxy.URL, "NO_PROXY=", "no_proxy="}, "plan", "-input=false", "-no-color")
	r, err := onlyRequest(proxy)
	must(t, err)
	if r.Host != "idp.invalid" || r.Error != "" {
		t.Errorf("the proxy saw a request for %q (%s); want one for idp.invalid, authenticated", r.Host, r.Error)
	}
}
