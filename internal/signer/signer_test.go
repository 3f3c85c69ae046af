package signer

import (
	"net/http"
	"testing"
)

// The default client proxies what the environment says, but never a
// metadata server's request (the Key Vault managed identity's token, over
// plain http) nor a loopback one.
func TestDefaultClientProxy(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://proxy.example:3128")
	t.Setenv("HTTPS_PROXY", "http://proxy.example:3128")
	t.Setenv("NO_PROXY", "")
	tr, ok := Env{}.withDefaults().HTTP.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("the default client's transport is a %T", Env{}.withDefaults().HTTP.Transport)
	}
	proxy := tr.Proxy
	for _, raw := range []string{"http://169.254.169.254/metadata/identity/oauth2/token", "http://[fd00:ec2::254]/latest/api/token",
		"http://127.0.0.1:8200/v1/transit/keys/k", "http://localhost:8200/v1/transit/keys/k", "https://myvault.vault.azure.net/keys/k"} {
		req, err := http.NewRequest(http.MethodGet, raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := proxy(req)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := http.ProxyFromEnvironment(req) // the environment as Go read it first
		if req.URL.Host != "myvault.vault.azure.net" {
			want = nil
		}
		if (got == nil) != (want == nil) || (got != nil && *got != *want) {
			t.Errorf("%s goes through the proxy %v, want %v", raw, got, want)
		}
	}
}
