package oauth

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// Fuzz targets for the two parsers that read what a server sends. Each must
// return a token or an *Error for any input, never panic, and never hand
// back a token without an access_token. `make test` runs each for a few
// seconds; crashers land in testdata/fuzz and stay as seeds.

func FuzzParseTokenAnswer(f *testing.F) {
	for _, seed := range []struct {
		status int
		ct     string
		body   string
	}{
		{200, "application/json", `{"access_token":"x","token_type":"Bearer","expires_in":3600}`},
		{200, "application/json", `{"access_token":"x","expires_in":"3600","scope":"a b"}`},
		{200, "application/x-www-form-urlencoded", "access_token=x&expires_in=60"},
		{200, "text/plain", "access_token=x&token_type=bearer"},
		{400, "application/json", `{"error":"invalid_client","error_description":"no"}`},
		{500, "text/html", "<html><body>oops</body></html>"},
		{200, "application/json", `{"access_token":12,"expires_in":1e400}`},
		{302, "", ""},
		{200, "application/json", `[[[[[[`},
	} {
		f.Add(seed.status, seed.ct, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, status int, ct string, body []byte) {
		reg := redact.New() // one per input: each input's access token would otherwise pile up
		reg.Remember("fuzz-secret-value")
		ans := &answer{status: status, header: http.Header{"Content-Type": {ct}, "Location": {string(body)}}, body: body}
		tok, err := parseTokenAnswer(ans, op{tokenFailed, "POST", reg}, ClientSecretBasic)
		if (tok == nil) == (err == nil) {
			t.Fatalf("want exactly one of token and error, got %v and %v", tok, err)
		}
		if tok != nil && tok.AccessToken == "" {
			t.Fatal("a token without access_token")
		}
		if tok != nil && tok.ExpiresIn != nil && *tok.ExpiresIn < 0 {
			t.Fatal("negative lifetime accepted")
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *Error: %T", err)
			}
			if msg := err.Error(); strings.Contains(msg, "fuzz-secret-value") || len(e.Excerpt) > 4*redact.ExcerptLen+3 {
				t.Fatalf("excerpt leaks or is too long: %q", msg)
			}
		}
	})
}

func FuzzParseMetadata(f *testing.F) {
	for _, seed := range []string{
		`{"issuer":"https://idp.example","token_endpoint":"https://idp.example/token"}`,
		`{"issuer":"https://idp.example","scopes_supported":["a","b"],"mtls_endpoint_aliases":{"token_endpoint":"https://m"}}`,
		`{"token_endpoint":42}`,
		`[]`, `null`, ``, `{"issuer":`,
	} {
		f.Add([]byte(seed))
	}
	c, err := NewClient(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		md, err := parseMetadata(body)
		if (md == nil) == (err == nil) {
			t.Fatalf("want exactly one of metadata and error, got %v and %v", md, err)
		}
		if md != nil {
			// Validation must not panic on whatever parsed.
			_ = c.validateMetadata(md, DiscoveryRequest{Issuer: "https://idp.example"})
		}
	})
}

// Key parsing reads whatever the user pasted; it must not panic, and what it
// accepts must be a signer whose algorithm check holds up.
func FuzzParsePrivateKey(f *testing.F) {
	for _, k := range testKeys(f) {
		f.Add(k.pem, k.alg)
	}
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "RS256")
	f.Add([]byte("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n"), "ES256")
	f.Fuzz(func(t *testing.T, data []byte, alg string) {
		key, err := ParsePrivateKey(data)
		if (key == nil) == (err == nil) {
			t.Fatalf("want exactly one of key and error, got %v and %v", key, err)
		}
		if err != nil && strings.Contains(err.Error(), "PRIVATE KEY-----") {
			t.Fatal("the error quotes the key")
		}
		if key != nil {
			_ = checkKeyAlgorithm(key, alg)
		}
	})
}
