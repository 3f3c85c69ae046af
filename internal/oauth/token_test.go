package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

// captured is what a test token endpoint received.
type captured struct {
	header http.Header
	body   string
}

// tokenServer records each request and answers with h.
func tokenServer(t *testing.T, h http.HandlerFunc) (string, *[]captured) {
	t.Helper()
	var got []captured
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, captured{header: r.Header.Clone(), body: string(b)})
		h(w, r)
	})
	return srv.URL + "/token", &got
}

var okToken = answerWith(200, "application/json", `{"access_token":"AT-1","token_type":"Bearer","expires_in":7200,"scope":"read write"}`)

func TestClientSecretBasicEncodesCredentials(t *testing.T) {
	u, got := tokenServer(t, okToken)
	tok, err := newClient(t).Token(context.Background(), TokenRequest{
		TokenURL: u, ClientID: "my client:1", ClientSecret: Inline(testSecret), AuthMethod: ClientSecretBasic,
	})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "AT-1" || tok.TokenType != "Bearer" || *tok.ExpiresIn != 7200 || tok.Scope != "read write" {
		t.Errorf("token %+v", tok)
	}
	if want := testhelp.Now.Add(2 * time.Hour); !tok.ExpiresAt.Equal(want) {
		t.Errorf("expires_at %v, want %v", tok.ExpiresAt, want)
	}
	req := (*got)[0]
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(req.header.Get("Authorization"), "Basic "))
	// RFC 6749 §2.3.1: both parts form-urlencoded, then joined with ':'.
	if want := "my+client%3A1:" + url.QueryEscape(testSecret); string(raw) != want {
		t.Errorf("basic credentials %q, want %q", raw, want)
	}
	if req.body != "grant_type=client_credentials" {
		t.Errorf("body %q: credentials must not be in the body with client_secret_basic", req.body)
	}
	if ct := req.header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("content type %q", ct)
	}
	if ua := req.header.Get("User-Agent"); ua != "terraform-provider-clientcreds/test" {
		t.Errorf("user agent %q", ua)
	}
}

func TestClientSecretPostWithAllParameters(t *testing.T) {
	u, got := tokenServer(t, okToken)
	_, err := newClient(t).Token(context.Background(), TokenRequest{
		TokenURL: u, ClientID: "abc", ClientSecret: Inline(testSecret), AuthMethod: ClientSecretPost,
		Scopes: []string{"api://x/.default", "read"}, Audience: "https://api.example",
		Resources: []string{"https://r1.example", "https://r2.example"}, ExtraParams: map[string]string{"tenant": "t1"},
		Headers: map[string]string{"X-Request-Source": "terraform"},
	})
	if err != nil {
		t.Fatal(err)
	}
	req := (*got)[0]
	v, _ := url.ParseQuery(req.body)
	want := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"abc"}, "client_secret": {testSecret},
		"scope": {"api://x/.default read"}, "audience": {"https://api.example"},
		"resource": {"https://r1.example", "https://r2.example"}, "tenant": {"t1"},
	}
	if fmt.Sprint(v) != fmt.Sprint(want) {
		t.Errorf("body %v\nwant %v", v, want)
	}
	if req.header.Get("Authorization") != "" || req.header.Get("X-Request-Source") != "terraform" {
		t.Errorf("headers %v", req.header)
	}
}

func TestJSONBodyEpicollect5Style(t *testing.T) {
	u, got := tokenServer(t, answerWith(200, "application/json", `{"token_type":"Bearer","expires_in":7200,"access_token":"eyJ0"}`))
	req := TokenRequest{TokenURL: u, ClientID: "153", ClientSecret: Inline(testSecret), Format: FormatJSON, ContentType: "application/vnd.api+json"}
	tok, err := newClient(t).Token(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if *tok.ExpiresIn != 7200 {
		t.Errorf("expires_in %v", *tok.ExpiresIn)
	}
	c := (*got)[0]
	var body map[string]any
	if err := json.Unmarshal([]byte(c.body), &body); err != nil {
		t.Fatalf("body is not JSON: %q", c.body)
	}
	if body["grant_type"] != "client_credentials" || body["client_id"] != "153" || body["client_secret"] != testSecret {
		t.Errorf("body %v: a JSON request carries everything in the body by default", body)
	}
	if ct := c.header.Get("Content-Type"); ct != "application/vnd.api+json" {
		t.Errorf("content type %q", ct)
	}
	if c.header.Get("Authorization") != "" {
		t.Error("JSON request also sent Basic credentials")
	}
}

func TestJSONBodyResourceList(t *testing.T) {
	u, got := tokenServer(t, okToken)
	_, err := newClient(t).Token(context.Background(), TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret),
		Format: FormatJSON, Resources: []string{"r1", "r2"}, Scopes: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains((*got)[0].body, `"resource":["r1","r2"]`) || !strings.Contains((*got)[0].body, `"scope":"a b"`) {
		t.Errorf("body %s", (*got)[0].body)
	}
}

func TestTokenResponses(t *testing.T) {
	i64 := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		name      string
		h         http.HandlerFunc
		expiresIn *int64
		tokenType string
	}{
		{"expires_in as string", answerWith(200, "application/json", `{"access_token":"x","token_type":"bearer","expires_in":"3600"}`), i64(3600), "bearer"},
		{"expires_in missing", answerWith(200, "application/json", `{"access_token":"x","token_type":"Bearer"}`), nil, "Bearer"},
		{"expires_in null", answerWith(200, "application/json", `{"access_token":"x","expires_in":null}`), nil, ""},
		{"expires_in float", answerWith(200, "application/json", `{"access_token":"x","expires_in":3599.9}`), i64(3599), ""},
		{"expires_in zero", answerWith(200, "application/json", `{"access_token":"x","expires_in":0}`), i64(0), ""},
		{"form-encoded answer", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			fmt.Fprint(w, "access_token=x&token_type=bearer&expires_in=60")
		}, i64(60), "bearer"},
		{"json with charset", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			fmt.Fprint(w, `{"access_token":"x","expires_in":43200,"token_type":"Bearer"}`)
		}, i64(43200), "Bearer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := tokenServer(t, tc.h)
			tok, err := newClient(t).Token(context.Background(), TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret)})
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "x" || tok.TokenType != tc.tokenType {
				t.Errorf("token %+v", tok)
			}
			switch {
			case tc.expiresIn == nil && (tok.ExpiresIn != nil || !tok.ExpiresAt.IsZero()):
				t.Errorf("expires_in %v, expires_at %v; want none", *tok.ExpiresIn, tok.ExpiresAt)
			case tc.expiresIn != nil && (tok.ExpiresIn == nil || *tok.ExpiresIn != *tc.expiresIn):
				t.Errorf("expires_in %v, want %d", tok.ExpiresIn, *tc.expiresIn)
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	html500 := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(500)
		fmt.Fprint(w, "<html><head><style>p{}</style></head><body><h1>Internal   Server Error</h1>"+
			"<p>debug: secret="+testSecret+" token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc</p></body></html>")
	}
	for _, tc := range []struct {
		name    string
		h       http.HandlerFunc
		want    []string
		notWant []string
	}{
		{"invalid_client 401", answerWith(401, "application/json", `{"error":"invalid_client","error_description":"Client authentication failed","error_uri":"https://idp.example/errors/1"}`),
			[]string{"HTTP status: 401", "OAuth error: invalid_client", "Client authentication failed", "https://idp.example/errors/1",
				`auth_method "client_secret_basic"`, `may expect auth_method "client_secret_post"`}, nil},
		{"html 500 after retries", html500,
			[]string{"HTTP status: 500", "after 4 attempts", "Internal Server Error", "[redacted]"}, []string{"eyJhbGciOi", "<h1>", "p{}"}},
		{"malformed json", answerWith(200, "application/json", `{"access_token": "x",`), []string{"not valid JSON"}, nil},
		{"html 200", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>sign in</html>")
		}, []string{"HTML page"}, nil},
		{"missing access_token", answerWith(200, "application/json", `{"token_type":"Bearer"}`), []string{"has no access_token"}, nil},
		{"empty access_token", answerWith(200, "application/json", `{"access_token":""}`), []string{"access_token is empty"}, nil},
		{"numeric access_token", answerWith(200, "application/json", `{"access_token":12}`), []string{"access_token is a JSON number"}, nil},
		{"200 carrying error", answerWith(200, "application/json", `{"error":"invalid_scope","error_description":"bad scope"}`),
			[]string{"200 OK but with an OAuth error", "invalid_scope", "scopes_supported"}, nil},
		{"array", answerWith(200, "application/json", `[]`), []string{"JSON array, not an object"}, nil},
		{"negative expires_in", answerWith(200, "application/json", `{"access_token":"x","expires_in":-5}`), []string{"negative"}, nil},
		{"bad expires_in", answerWith(200, "application/json", `{"access_token":"x","expires_in":"soon"}`), []string{`expires_in "soon" is not a number`}, nil},
		{"huge expires_in", answerWith(200, "application/json", `{"access_token":"x","expires_in":1e300}`), []string{"too large"}, nil},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/token?x=1", http.StatusTemporaryRedirect)
		}, []string{"redirect to https://elsewhere.example/token", "never followed"}, nil},
		{"429 without Retry-After", answerWith(429, "application/json", `{"message":"slow down"}`), []string{"HTTP status: 429", "rate limiting"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := tokenServer(t, tc.h)
			_, err := newClient(t).Token(context.Background(), TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret)})
			e := failure(t, err, tc.want...)
			for _, nw := range tc.notWant {
				if strings.Contains(e.Error(), nw) {
					t.Errorf("error contains %q:\n%s", nw, e.Error())
				}
			}
			if e.Summary != "Token Request Failed" {
				t.Errorf("summary %q", e.Summary)
			}
		})
	}
}

func TestFourXXIsNotRetried(t *testing.T) {
	u, got := tokenServer(t, answerWith(400, "application/json", `{"error":"invalid_request"}`))
	_, err := newClient(t).Token(context.Background(), TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret)})
	mustFail(t, err, "invalid_request")
	if len(*got) != 1 {
		t.Errorf("a 400 was sent %d times", len(*got))
	}
}

func TestTransientFailuresAreRetried(t *testing.T) {
	var n atomic.Int32
	u, got := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.WriteHeader(503)
		case 2:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
		case 3: // drop the connection mid-answer
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(200)
			fmt.Fprint(w, `{"access_`)
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
		default:
			okToken(w, r)
		}
	})
	start := time.Now()
	tok, err := newClient(t).Token(context.Background(), TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "AT-1" || len(*got) != 4 {
		t.Errorf("token %q after %d requests", tok.AccessToken, len(*got))
	}
	if time.Since(start) < time.Second {
		t.Errorf("Retry-After: 1 was not honoured (took %v)", time.Since(start))
	}
	// Every attempt carries the same body.
	for _, c := range *got {
		if c.body != "grant_type=client_credentials" {
			t.Errorf("attempt body %q", c.body)
		}
	}
}

func TestRetryAfterBeyondBudgetStopsAtOnce(t *testing.T) {
	u, got := tokenServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	})
	_, err := newClient(t).Token(context.Background(), TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret)})
	// Waiting would have ended in the budget's deadline, not in the 429.
	e := failure(t, err, "HTTP status: 429")
	if len(*got) != 1 || strings.Contains(e.Error(), "retry budget") {
		t.Errorf("%d requests, ending in %q; want one, answered by the 429 itself", len(*got), e.Reason)
	}
}

func TestFailingForeverEndsWithinBudget(t *testing.T) {
	u, got := tokenServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(502) })
	c := newClient(t, func(c *Config) {
		c.MaxRetries = 10
		c.RetryWaitMin = 200 * time.Millisecond
		c.RetryBudget = time.Second
	})
	// The budget's own deadline ends it: the message says so.
	_, err := c.Token(context.Background(), TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret)})
	mustFail(t, err, "no answer within the retry budget of 1s")
	if len(*got) < 2 {
		t.Errorf("only %d attempts", len(*got))
	}
}

func TestServerThatNeverAnswersTimesOut(t *testing.T) {
	block := make(chan struct{})
	u, _ := tokenServer(t, func(http.ResponseWriter, *http.Request) { <-block })
	t.Cleanup(func() { close(block) }) // runs before the server's Close, which waits for handlers
	c := newClient(t, func(c *Config) { c.RequestTimeout = 300 * time.Millisecond; c.NoRetries = true })
	// The server never answers: only the request timeout can end this.
	_, err := c.Token(context.Background(), TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret)})
	mustFail(t, err, "no complete answer within the request timeout of 300ms")
}

func TestRequestValidation(t *testing.T) {
	c := newClient(t)
	for _, tc := range []struct {
		req  TokenRequest
		want string
	}{
		{TokenRequest{TokenURL: "https://x/t", ClientID: "a"}, "needs client_secret"},
		{TokenRequest{TokenURL: "https://x/t", ClientID: "a", ClientSecret: Inline(testSecret), ExtraParams: map[string]string{"grant_type": "password"}}, `may not set "grant_type"`},
		{TokenRequest{TokenURL: "https://x/t", ClientID: "a", ClientSecret: Inline(testSecret), Headers: map[string]string{"authorization": "x"}}, `may not set "authorization"`},
		{TokenRequest{TokenURL: "/token", ClientID: "a", ClientSecret: Inline(testSecret)}, "not an absolute URL"},
	} {
		_, err := c.Token(context.Background(), tc.req)
		mustFail(t, err, tc.want)
	}
}

func TestChooseAuthMethod(t *testing.T) {
	md := func(m ...string) *Metadata { return &Metadata{TokenEndpointAuthMethodsSupported: m} }
	for _, tc := range []struct {
		format string
		md     *Metadata
		want   AuthMethod
	}{
		{FormatForm, nil, ClientSecretBasic},
		{FormatJSON, nil, ClientSecretPost},
		{FormatForm, md(), ClientSecretBasic},
		{FormatForm, md("client_secret_post"), ClientSecretPost},
		{FormatForm, md("client_secret_post", "client_secret_basic"), ClientSecretBasic},
		{FormatForm, md("private_key_jwt"), ClientSecretBasic},
	} {
		if got := chooseSecretMethod(tc.format, tc.md); got != tc.want {
			t.Errorf("chooseSecretMethod(%s, %v) = %s, want %s", tc.format, tc.md, got, tc.want)
		}
	}
}
