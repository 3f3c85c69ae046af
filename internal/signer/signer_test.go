package signer

import (
	"net/http"
	"net/url"
	"testing"
)

// The default client proxies what the environment says, but never a
// metadata server's request (the Key Vault managed identity's token, over
// plain http) nor a loopback one. The environment's proxy is stood in for:
// net/http reads the environment once per process, so a test that set it
// would see whatever an earlier test left.
func TestDefaultClientProxy(t *testing.T) {
	pu, _ := url.Parse("http://proxy.example:3128")
	old := proxyFromEnvironment
	proxyFromEnvironment = http.ProxyURL(pu)
	t.Cleanup(func() { proxyFromEnvironment = old })
	tr, ok := Env{}.withDefaults().HTTP.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("the default client's transport is a %T", Env{}.withDefaults().HTTP.Transport)
	}
	for raw, proxied := range map[string]bool{
		"http://169.254.169.254/metadata/identity/oauth2/token": false, "http://[fd00:ec2::254]/latest/api/token": false,
		"http://127.0.0.1:8200/v1/transit/keys/k": false, "http://localhost:8200/v1/transit/keys/k": false,
		"https://myvault.vault.azure.net/keys/k": true,
	} {
		req, err := http.NewRequest(http.MethodGet, raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tr.Proxy(req)
		if err != nil {
			t.Fatal(err)
		}
		if (got != nil) != proxied || (got != nil && got.String() != pu.String()) {
			t.Errorf("%s goes through the proxy %v; want proxied %v", raw, got, proxied)
		}
	}
}
