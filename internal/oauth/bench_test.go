package oauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// The request and parse path, for -benchmem: building a request body, parsing
// a typical answer, and a whole exchange over loopback.

func BenchmarkEncodeForm(b *testing.B) {
	r := TokenRequest{TokenURL: "https://idp.example/token", ClientID: "client", ClientSecret: Inline(testSecret), AuthMethod: ClientSecretPost,
		Format: FormatForm, Scopes: []string{"api://x/.default"}, Audience: "https://api", ExtraParams: map[string]string{"a": "b"}}
	c, _ := NewClient(Config{})
	for b.Loop() {
		attempt, _ := r.encode(context.Background(), c)
		if _, _, err := attempt(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTokenAnswer(b *testing.B) {
	ans := &answer{status: 200, header: http.Header{"Content-Type": {"application/json"}},
		body: []byte(`{"token_type":"Bearer","expires_in":7200,"access_token":"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiIyIn0.c2lnbmF0dXJl","scope":"read write"}`)}
	o := op{tokenFailed, "POST", redact.New()}
	for b.Loop() {
		if _, err := parseTokenAnswer(ans, o, ClientSecretBasic); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTokenExchangeLoopback(b *testing.B) {
	srv := httptest.NewServer(okToken)
	defer srv.Close()
	c, err := NewClient(Config{})
	if err != nil {
		b.Fatal(err)
	}
	req := TokenRequest{TokenURL: srv.URL, ClientID: "a", ClientSecret: Inline(testSecret), NoShare: true}
	for b.Loop() {
		if _, err := c.Token(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSharedTokenHit(b *testing.B) {
	srv := httptest.NewServer(okToken)
	defer srv.Close()
	c, _ := NewClient(Config{})
	req := TokenRequest{TokenURL: srv.URL, ClientID: "a", ClientSecret: Inline(testSecret)}
	for b.Loop() {
		if _, err := c.Token(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
