package oauth

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

// The hostile-server matrix: servers that misbehave in every way we know of,
// each with the diagnostic text a user must see. A case with no want expects
// a token. Nothing may panic, hang past its timeout, or leak the secret.

type hostileCase struct {
	name string
	// discovery cases fetch a metadata document; the others request a token.
	discovery bool
	h         http.HandlerFunc
	// start, when set, provides the endpoint itself (TLS, raw sockets).
	start func(t *testing.T) (url string, cfg func(*Config))
	want  []string
	check func(t *testing.T, tok *Token)
}

func redirectTo(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://attacker.example/collect", code)
	}
}

func hostileCases() []hostileCase {
	oauthErr := func(code string) string {
		return fmt.Sprintf(`{"error":%q,"error_description":"described","error_uri":"https://idp.example/e"}`, code)
	}
	var cases []hostileCase
	// Every 4xx and 5xx class, with and without an OAuth error body.
	for _, st := range []int{400, 401, 403, 404, 405, 409, 415, 422, 429, 500, 501, 502, 503, 504} {
		cases = append(cases,
			hostileCase{name: fmt.Sprintf("%d with OAuth error", st), h: answerWith(st, "application/json", oauthErr("invalid_request")),
				want: []string{fmt.Sprintf("HTTP status: %d", st), "OAuth error: invalid_request", "Error description: described", "Error URI: https://idp.example/e"}},
			hostileCase{name: fmt.Sprintf("%d plain text", st), h: answerWith(st, "text/plain", "backend says no"),
				want: []string{fmt.Sprintf("HTTP status: %d", st), "did not issue a token", "excerpt): backend says no"}},
		)
	}
	big := strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)
	cases = append(cases, []hostileCase{
		{name: "HTML 200", h: answerWith(200, "text/html", "<!doctype html><html><body>Sign in</body></html>"), want: []string{"HTML page"}},
		{name: "XML 200", h: answerWith(200, "application/xml", "<token><access>x</access></token>"), want: []string{"HTML page, not a JSON token response"}},
		{name: "empty 200", h: answerWith(200, "application/json", ""), want: []string{"response body is empty"}},
		{name: "truncated JSON", h: answerWith(200, "application/json", `{"access_token":"abc","expires_in":36`), want: []string{"not valid JSON"}},
		{name: "non-UTF-8 500", h: answerWith(500, "text/plain", "bad \xff\xfe bytes"), want: []string{"HTTP status: 500", "bad \uFFFD bytes"}},
		{name: "JSON array", h: answerWith(200, "application/json", `[{"access_token":"x"}]`), want: []string{"JSON array, not an object"}},
		{name: "JSON string", h: answerWith(200, "application/json", `"token"`), want: []string{"JSON string, not an object"}},
		{name: "JSON null", h: answerWith(200, "application/json", `null`), want: []string{"JSON null, not an object"}},
		{name: "deeply nested JSON", h: answerWith(200, "application/json", big), want: []string{"not valid JSON", "exceeded max depth"}},
		{name: "50 MiB JSON", h: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"`))
			chunk := []byte(strings.Repeat("a", 1<<20))
			for range 50 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			_, _ = w.Write([]byte(`"}`))
		}, want: []string{"larger than the 1 MiB limit"}},
		{name: "trailing data", h: answerWith(200, "application/json", `{"access_token":"x"}{"access_token":"y"}`), want: []string{"data after its JSON value"}},
		{name: "access_token empty", h: answerWith(200, "application/json", `{"access_token":""}`), want: []string{"access_token is empty"}},
		{name: "access_token number", h: answerWith(200, "application/json", `{"access_token":42}`), want: []string{"access_token is a JSON number, not a string"}},
		{name: "access_token object", h: answerWith(200, "application/json", `{"access_token":{"v":1}}`), want: []string{"access_token is a JSON object"}},
		{name: "access_token missing", h: answerWith(200, "application/json", `{"token_type":"Bearer"}`), want: []string{"has no access_token"}},
		{name: "expires_in negative", h: answerWith(200, "application/json", `{"access_token":"x","expires_in":-1}`), want: []string{"expires_in is negative"}},
		{name: "expires_in zero", h: answerWith(200, "application/json", `{"access_token":"x","expires_in":0}`),
			check: func(t *testing.T, tok *Token) {
				if *tok.ExpiresIn != 0 || !tok.ExpiresAt.Equal(testhelp.Now) {
					t.Errorf("expires_in 0: %v %v", *tok.ExpiresIn, tok.ExpiresAt)
				}
			}},
		{name: "expires_in float", h: answerWith(200, "application/json", `{"access_token":"x","expires_in":59.99}`),
			check: func(t *testing.T, tok *Token) {
				if *tok.ExpiresIn != 59 {
					t.Errorf("expires_in %d; want 59 (rounded down)", *tok.ExpiresIn)
				}
			}},
		{name: "expires_in huge", h: answerWith(200, "application/json", `{"access_token":"x","expires_in":99999999999999999999}`), want: []string{"too large"}},
		{name: "expires_in word", h: answerWith(200, "application/json", `{"access_token":"x","expires_in":"an hour"}`), want: []string{`expires_in "an hour" is not a number of seconds`}},
		{name: "expires_in boolean", h: answerWith(200, "application/json", `{"access_token":"x","expires_in":true}`), want: []string{"expires_in is a JSON boolean"}},
		{name: "token_type DPoP", h: answerWith(200, "application/json", `{"access_token":"x","token_type":"DPoP"}`),
			check: func(t *testing.T, tok *Token) {
				if tok.TokenType != "DPoP" {
					t.Errorf("token_type %q not exposed", tok.TokenType)
				}
			}},
		{name: "200 carrying error", h: answerWith(200, "application/json", oauthErr("access_denied")), want: []string{"200 OK but with an OAuth error", "access_denied"}},
		{name: "redirect 301", h: redirectTo(301), want: []string{"HTTP status: 301", "redirect to https://attacker.example/collect", "never followed"}},
		{name: "redirect 302", h: redirectTo(302), want: []string{"HTTP status: 302", "never followed"}},
		{name: "redirect 307", h: redirectTo(307), want: []string{"HTTP status: 307", "never followed"}},
		{name: "headers then stall", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			_ = http.NewResponseController(w).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, want: []string{"no complete answer within the request timeout of 500ms"}},
		{name: "reset mid-body", h: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "500")
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"access_token":"x`))
			_ = http.NewResponseController(w).Flush()
			conn, _, _ := http.NewResponseController(w).Hijack()
			conn.Close()
		}, want: []string{"unexpected EOF (after 2 attempts)"}},
		{name: "accepts and never answers", start: silentListener, want: []string{"no complete answer within the request timeout of 500ms"}},
		{name: "TLS certificate for another host", start: tlsServer("other.example", time.Hour, true), want: []string{"TLS certificate was not accepted", "cannot validate certificate for 127.0.0.1"}},
		{name: "TLS certificate expired", start: tlsServer("127.0.0.1", -time.Hour, true), want: []string{"TLS certificate was not accepted", "expired"}},
		{name: "TLS certificate self-signed", start: tlsServer("127.0.0.1", time.Hour, false), want: []string{"TLS certificate was not accepted", "unknown authority"}},
		{name: "TLS 1.1 only", start: func(t *testing.T) (string, func(*Config)) {
			ca := testpki.NewCA(t)
			srv := httptest.NewUnstartedServer(okToken)
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			srv.TLS = ca.ServerTLS(t, "127.0.0.1", time.Hour)
			srv.TLS.MinVersion, srv.TLS.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
			srv.StartTLS()
			t.Cleanup(srv.Close)
			return srv.URL, func(c *Config) { c.CACertPEM = ca.PEM }
		}, want: []string{"protocol version"}},
		{name: "TLS with the CA trusted", start: tlsServer("127.0.0.1", time.Hour, true), check: func(t *testing.T, tok *Token) {}},

		// Discovery documents.
		{name: "discovery issuer mismatch", discovery: true, h: docWith(`"issuer":"https://evil.example"`), want: []string{`"https://evil.example" does not match`}},
		{name: "discovery relative token_endpoint", discovery: true, h: docWith(`"issuer":"ISSUER","token_endpoint":"/token"`), want: []string{"not an absolute URL"}},
		{name: "discovery http token_endpoint", discovery: true, h: docWith(`"issuer":"ISSUER","token_endpoint":"http://idp.example/token"`), want: []string{"plain http://"}},
		{name: "discovery without issuer", discovery: true, h: docWith(`"token_endpoint":"https://idp.example/token"`), want: []string{"has no issuer"}},
		{name: "discovery without token_endpoint", discovery: true, h: docWith(`"issuer":"ISSUER"`), want: []string{"has no token_endpoint"}},
		{name: "discovery field of wrong type", discovery: true, h: docWith(`"issuer":"ISSUER","token_endpoint":"https://idp.example/t","scopes_supported":"read"`),
			want: []string{`"scopes_supported" holds a JSON string where the standard requires an array of strings`}},
		{name: "discovery HTML", discovery: true, h: answerWith(200, "text/html", "<html>portal</html>"), want: []string{"not a JSON object"}},
		{name: "discovery 500", discovery: true, h: answerWith(500, "text/plain", "down"), want: []string{"HTTP status: 500", "after 2 attempts"}},
		{name: "discovery redirect to http", discovery: true, start: func(t *testing.T) (string, func(*Config)) {
			u, cfg := tlsServerWith(t, "127.0.0.1", time.Hour, true, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://127.0.0.1:1/.well-known/openid-configuration", http.StatusFound)
			})
			return u, cfg
		}, want: []string{"another origin", "set discovery_url"}},
	}...)
	return cases
}

// docWith serves a metadata document with the given members; ISSUER stands
// for the server's own issuer URL.
func docWith(members string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "{"+strings.ReplaceAll(members, "ISSUER", "http://"+r.Host)+"}")
	}
}

func TestHostileServerMatrix(t *testing.T) {
	cases := hostileCases()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url, cfg := "", func(*Config) {}
			if tc.start != nil {
				url, cfg = tc.start(t)
			} else {
				url = serve(t, tc.h).URL
			}
			c := newClient(t, func(c *Config) {
				c.RequestTimeout, c.MaxRetries, c.RetryBudget = 500*time.Millisecond, 1, 3*time.Second
			}, cfg)
			var tok *Token
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				if tc.discovery {
					_, err = c.Discover(context.Background(), DiscoveryRequest{Issuer: url})
				} else {
					tok, err = c.Token(context.Background(), TokenRequest{TokenURL: url + "/token", ClientID: "c", ClientSecret: Inline(testSecret)})
				}
			}()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("expected a token, got: %v", err)
				}
				if tc.check != nil {
					tc.check(t, tok)
				}
				return
			}
			mustFail(t, err, tc.want...)
		})
	}
	t.Logf("hostile-server matrix: %d cases", len(cases))
	if len(cases) < 40 {
		t.Errorf("only %d cases", len(cases))
	}
}

// silentListener accepts connections and never answers.
func silentListener(t *testing.T) (string, func(*Config)) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String(), func(*Config) {}
}

// tlsServer serves tokens over TLS with a certificate for host, valid for
// validity from now (negative: already expired), signed by a CA that the
// client trusts when trusted is set.
func tlsServer(host string, validity time.Duration, trusted bool) func(t *testing.T) (string, func(*Config)) {
	return func(t *testing.T) (string, func(*Config)) {
		return tlsServerWith(t, host, validity, trusted, okToken)
	}
}

func tlsServerWith(t *testing.T, host string, validity time.Duration, trusted bool, h http.HandlerFunc) (string, func(*Config)) {
	t.Helper()
	ca := testpki.NewCA(t)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	srv.TLS = ca.ServerTLS(t, host, validity)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL, func(c *Config) {
		if trusted {
			c.CACertPEM = ca.PEM
		}
	}
}
