package oauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fixedNow is the clock of every test client, so expires_at is exact.
var fixedNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

const testSecret = "s3cr3t-Zq9!/+&= value"

// newClient returns a client with short waits, for tests.
func newClient(t *testing.T, mods ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		RequestTimeout: 2 * time.Second,
		RetryWaitMin:   10 * time.Millisecond,
		RetryWaitMax:   50 * time.Millisecond,
		RetryBudget:    5 * time.Second,
		Now:            func() time.Time { return fixedNow },
		UserAgent:      "terraform-provider-clientcreds/test",
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serve starts an httptest server on 127.0.0.1 for the duration of the test.
func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// answerWith is a handler giving one fixed answer: the one HTTP-answer
// helper of these tests.
func answerWith(status int, ct, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// mustFail asserts err is an *Error whose text holds every want, and never
// the client secret.
func mustFail(t *testing.T, err error, want ...string) {
	t.Helper()
	_ = failure(t, err, want...)
}

// failure is mustFail returning the *Error, for tests that look further.
func failure(t *testing.T, err error, want ...string) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error containing %q, got none", want)
	}
	var oe *Error
	if !errors.As(err, &oe) {
		t.Fatalf("expected *oauth.Error, got %T: %v", err, err)
	}
	msg := oe.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error does not contain %q:\n%s", w, msg)
		}
	}
	if strings.Contains(msg, testSecret) {
		t.Errorf("error contains the client secret:\n%s", msg)
	}
	return oe
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
