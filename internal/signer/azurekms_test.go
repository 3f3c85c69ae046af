package signer

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// App Service's managed identity endpoint: an IDENTITY_ENDPOINT in plain
// http to a host that is neither loopback nor link-local is refused before
// any request carries X-IDENTITY-HEADER; one that echoes the header (and
// MSI_SECRET, which the environment may hold beside it) in its refusal
// shows neither; the endpoint's own query is kept. Plain http to a
// link-local address (App Service on Linux) is asked.
func TestKeyVaultIdentityEndpoint(t *testing.T) {
	const header, msiSecret = "identity-header-value-Kp7Lm2", "msi-secret-value-Hj8Nb4"
	var calls atomic.Int32
	env := envOf(map[string]string{"IDENTITY_ENDPOINT": "http://example.invalid/msi/token", "IDENTITY_HEADER": header, "MSI_SECRET": msiSecret})
	env.HTTP = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return nil, http.ErrHandlerTimeout
	})}
	wantFailure(t, "azurekms://myvault.vault.azure.net/k", env, "IDENTITY_ENDPOINT uses plain http")
	if n := calls.Load(); n != 0 {
		t.Errorf("%d requests were sent to a plain http IDENTITY_ENDPOINT that is not loopback", n)
	}

	// App Service on Linux serves the endpoint at a link-local address, in
	// plain http, as the instance metadata service is: that is asked.
	env = envOf(map[string]string{"IDENTITY_ENDPOINT": "http://169.254.129.3:8081/msi/token", "IDENTITY_HEADER": header})
	env.HTTP = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return nil, http.ErrHandlerTimeout
	})}
	wantFailure(t, "azurekms://myvault.vault.azure.net/k", env, "unreachable")
	if calls.Load() == 0 {
		t.Error("a link-local IDENTITY_ENDPOINT was not asked")
	}

	var query string
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":"Unauthorized","message":"the header ` + r.Header.Get("X-Identity-Header") +
			` is not ` + msiSecret + `"}}`))
	}))
	defer ep.Close()
	env = envOf(map[string]string{"IDENTITY_ENDPOINT": ep.URL + "/msi/token?site=a", "IDENTITY_HEADER": header, "MSI_SECRET": msiSecret})
	wantFailure(t, "azurekms://myvault.vault.azure.net/k", env, "Unauthorized", header, msiSecret)
	if !strings.HasPrefix(query, "api-version=2019-08-01&") || !strings.Contains(query, "site=a") || strings.Contains(query, "?") {
		t.Errorf("the endpoint was asked with the query %q", query)
	}
}

// roundTripFunc is an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
