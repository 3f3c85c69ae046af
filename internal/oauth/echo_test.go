package oauth

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testleak"
)

// A server that echoes what it was sent must not put a credential on the
// user's screen or in a log, in whatever encoding it echoes it.

const (
	echoID     = "echo-client"
	echoSecret = `Zq7+4Yu/3Hj&Pa/Sd5 "é"<x>'`
)

// assertNoLeak fails when text holds any form of any credential, or of the
// echo client's Basic credentials.
func assertNoLeak(t *testing.T, where, text string, creds map[string]string) {
	t.Helper()
	for _, f := range testleak.Find(text, creds) {
		t.Errorf("%s holds the %s:\n%s", where, f, text)
	}
	for name, f := range testleak.BasicForms(echoID, echoSecret) {
		if strings.Contains(text, f) {
			t.Errorf("%s holds the %s:\n%s", where, name, text)
		}
	}
}

// recordingLogger keeps every log line, fields included, as text.
type recordingLogger struct {
	mu    sync.Mutex
	lines []string
}

func (l *recordingLogger) Debug(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%s %v", msg, fields))
}

func (l *recordingLogger) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// echo is how a server writes back what it received.
type echo struct {
	name string
	// value builds the echoed text from the request and its body.
	value func(r *http.Request, body string) string
}

func sentSecret(r *http.Request, body string) string {
	if _, p, ok := r.BasicAuth(); ok {
		s, _ := url.QueryUnescape(p)
		return s
	}
	v, _ := url.ParseQuery(body)
	return v.Get("client_secret")
}

func echoes() []echo {
	var es []echo
	for _, name := range []string{"raw", "form-encoded", "form-encoded, lower-case hex", "path-escaped", "JSON-escaped",
		`JSON-escaped with \/`, "HTML-escaped", "base64"} {
		es = append(es, echo{name, func(r *http.Request, body string) string {
			return "Invalid client secret '" + testleak.Forms(sentSecret(r, body))[name] + "'"
		}})
	}
	return append(es,
		echo{"whole request body", func(_ *http.Request, body string) string { return "could not parse " + body }},
		echo{"Authorization header", func(r *http.Request, _ string) string {
			return "rejected Authorization: " + r.Header.Get("Authorization")
		}},
		echo{"base64 of id:secret", func(r *http.Request, body string) string {
			return "bad credentials " + base64.StdEncoding.EncodeToString([]byte(echoID+":"+sentSecret(r, body)))
		}},
	)
}

// fields are the places of an answer an echo can sit in.
var echoFields = []struct {
	name   string
	answer func(v string) (status int, ct, body string)
}{
	{"error_description", func(v string) (int, string, string) {
		return 400, "application/json", mustJSON(map[string]string{"error": "invalid_client", "error_description": v})
	}},
	{"error_uri", func(v string) (int, string, string) {
		return 400, "application/json", mustJSON(map[string]string{"error": "invalid_client", "error_uri": "https://idp.example/e?d=" + v})
	}},
	{"error", func(v string) (int, string, string) {
		return 401, "application/json", mustJSON(map[string]string{"error": v})
	}},
	{"expires_in", func(v string) (int, string, string) {
		return 200, "application/json", mustJSON(map[string]string{"access_token": "echo-token-value", "expires_in": v})
	}},
	{"non-OAuth body", func(v string) (int, string, string) { return 500, "text/plain", v }},
	{"HTML page", func(v string) (int, string, string) {
		return 502, "text/html", "<html><body><p>" + html.EscapeString(v) + "</p></body></html>"
	}},
}

func TestEchoingServerNeverShowsTheSecret(t *testing.T) {
	for _, method := range []AuthMethod{ClientSecretBasic, ClientSecretPost} {
		for _, f := range echoFields {
			for _, e := range echoes() {
				t.Run(fmt.Sprintf("%s/%s/%s", method, f.name, e.name), func(t *testing.T) {
					srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
						b, _ := io.ReadAll(r.Body)
						status, ct, body := f.answer(e.value(r, string(b)))
						w.Header().Set("Content-Type", ct)
						w.WriteHeader(status)
						_, _ = io.WriteString(w, body)
					})
					log := &recordingLogger{}
					c := newClient(t, func(c *Config) { c.Logger = log; c.NoRetries = true })
					_, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.URL + "/token", ClientID: echoID,
						ClientSecret: Inline(echoSecret), AuthMethod: method})
					if err == nil {
						t.Fatal("the echoing server's answer was accepted")
					}
					creds := map[string]string{"client secret": echoSecret}
					assertNoLeak(t, "the error", err.Error(), creds)
					assertNoLeak(t, "the log", log.text(), creds)
				})
			}
		}
	}
}

// A token issued earlier in the process, and a signed client assertion, are
// credentials too: an error that quotes them shows neither.
func TestEchoOfIssuedTokenAndAssertion(t *testing.T) {
	keys := testKeys(t)
	var n int
	var mu sync.Mutex
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		n++
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		if n == 1 {
			_, _ = io.WriteString(w, `{"access_token":"first-token-8f3kQ2","token_type":"Bearer","expires_in":60}`)
			return
		}
		w.WriteHeader(400)
		_, _ = io.WriteString(w, mustJSON(map[string]string{"error": "invalid_client",
			"error_description": "token first-token-8f3kQ2 reused; assertion " + r.PostForm.Get("client_assertion") + " refused"}))
	})
	c := newClient(t)
	if _, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.URL, ClientID: "a", ClientSecret: Inline("another-secret-value")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.URL, ClientID: "a", AuthMethod: PrivateKeyJWT,
		PrivateKey: Inline(string(keys[0].pem)), SigningAlgorithm: keys[0].alg})
	msg := failure(t, err, "Error description: token [redacted] reused; assertion [redacted] refused").Error()
	if strings.Contains(msg, "first-token-8f3kQ2") || strings.Contains(msg, "eyJ") {
		t.Errorf("the error shows the issued token or the assertion:\n%s", msg)
	}
}

// A revocation error may carry both the client secret and the token being
// revoked.
func TestRevocationEchoShowsNeitherSecretNorToken(t *testing.T) {
	const token = "revoked-token-Qw8rT5yU"
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_, _ = io.WriteString(w, mustJSON(map[string]string{"error": "invalid_request", "error_description": "cannot revoke: " + string(b) +
			" " + r.Header.Get("Authorization")}))
	})
	err := newClient(t).Revoke(context.Background(), RevokeRequest{URL: srv.URL, Token: token,
		Client: TokenRequest{TokenURL: srv.URL, ClientID: echoID, ClientSecret: Inline(echoSecret), AuthMethod: ClientSecretPost}})
	if err == nil {
		t.Fatal("the refused revocation was not reported")
	}
	assertNoLeak(t, "the revocation error", err.Error(), map[string]string{"client secret": echoSecret, "access token": token})
}

// Escape sequences and CI workflow commands from a server reach no line of
// the error, in any field.
func TestServerControlSequencesAreStripped(t *testing.T) {
	hostile := "\x1b[2J\x1b]0;owned\x07\n::error::forged\n::add-mask::value\r\n##vso[task.setvariable variable=x]1\u202eevil"
	for _, f := range echoFields {
		t.Run(f.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
				status, ct, body := f.answer(hostile)
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(status)
				_, _ = io.WriteString(w, body)
			})
			_, err := newClient(t, func(c *Config) { c.NoRetries = true }).Token(context.Background(),
				TokenRequest{TokenURL: srv.URL, ClientID: "a", ClientSecret: Inline(testSecret)})
			if err == nil {
				t.Fatal("accepted")
			}
			assertNoControl(t, err.Error())
		})
	}
}

func assertNoControl(t *testing.T, msg string) {
	t.Helper()
	if strings.ContainsAny(msg, "\x1b\x07\r\u202e") {
		t.Errorf("the error holds a control character: %q", msg)
	}
	for line := range strings.SplitSeq(msg, "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "::") || strings.HasPrefix(l, "##vso[") ||
			strings.Contains(l, "::error::") || strings.Contains(l, "::add-mask::") || strings.Contains(l, "##vso[") {
			t.Errorf("a line could start a CI workflow command: %q", line)
		}
	}
}

// Every text field of Error is rendered through the sanitiser: a field
// added later without it fails here.
func TestEveryErrorFieldIsSanitised(t *testing.T) {
	reg := redact.New()
	reg.Remember(echoSecret)
	hostile := "\x1b[2J\n::error::" + echoSecret
	e := &Error{san: reg}
	v := reflect.ValueOf(e).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.String && v.Type().Field(i).Name != "Summary" {
			f.SetString(hostile)
		}
	}
	e.Status = 400
	msg := e.Error()
	assertNoLeak(t, "Error()", msg, map[string]string{"client secret": echoSecret})
	assertNoControl(t, msg)
}
