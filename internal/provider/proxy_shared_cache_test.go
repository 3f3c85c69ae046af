package provider

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// The proxy takes the token the persistent cache already holds, as every
// other reader does, rather than asking for one of its own (which, at a
// server that revokes older tokens on issue, would kill the cached one);
// and when the API refuses that token as invalid, the proxy drops it from
// the cache and gets a new one, so no later run reads the dead token.
func TestAccProxySharesTheCachedTokenAndDropsItWhenRefused(t *testing.T) {
	srv := startServer(t, authserver.Options{Now: time.Now})
	dir := t.TempDir()
	must(t, os.Chmod(dir, 0o700))
	providerBlock := fmt.Sprintf(`
provider "clientcreds" {
  cache {
    directory = %q
  }
}
`, dir)
	token := fmt.Sprintf(`
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q`, srv.TokenURL(), testSecret)
	proxyConfig := providerBlock + `
ephemeral "clientcreds_proxy" "api" {` + token + fmt.Sprintf(`
  upstream = %q
}
provider "apicaller" {
  base_url = ephemeral.clientcreds_proxy.api.url
}
resource "apicaller_calls" "one" {
  calls       = 1
  interval_ms = 1
}
`, srv.URL+"/api")
	run := func(config string) {
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
			ProtoV6ProviderFactories: proxyFactories(),
			Steps:                    []tfresource.TestStep{{Config: config}},
		})
	}

	// A first run caches a token; a proxy in the next run uses it.
	run(providerBlock + `data "clientcreds_token" "t" {` + token + "\n}")
	cached := srv.IssuedTokens()
	if len(cached) != 1 {
		t.Fatalf("%d tokens issued by the first run; want 1", len(cached))
	}
	run(proxyConfig)
	if n := len(srv.IssuedTokens()); n != 1 {
		t.Errorf("the proxy asked for %d tokens beside the cached one; want none", n-1)
	}

	// The server revokes the cached token; the proxy's call is refused,
	// and replayed with a new token that replaces the dead one.
	revoke(t, srv, cached[0])
	run(proxyConfig)
	issued := srv.IssuedTokens()
	if len(issued) != 2 {
		t.Fatalf("%d tokens issued after the revocation; want exactly one more", len(issued))
	}
	// A later run reads the new token from the cache, not the dead one:
	// the proxy's call succeeds with no request for a token.
	run(proxyConfig)
	if n := len(srv.IssuedTokens()); n != 2 {
		t.Errorf("a later run asked for %d more tokens; the cache should hold the new one", n-2)
	}
}

// revoke revokes tok at srv as its client would (RFC 7009).
func revoke(t *testing.T, srv *authserver.Server, tok string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.Issuer+"/revoke", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("client-1", url.QueryEscape(testSecret)) // RFC 6749 §2.3.1
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revocation answered %d", resp.StatusCode)
	}
}
