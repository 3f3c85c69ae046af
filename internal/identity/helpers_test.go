package identity

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// newClient is an oauth client with short waits, as the oauth tests use.
func newClient(t *testing.T, mods ...func(*oauth.Config)) *oauth.Client {
	t.Helper()
	cfg := oauth.Config{RequestTimeout: 2 * time.Second, RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: 50 * time.Millisecond,
		RetryBudget: 5 * time.Second, UserAgent: "terraform-provider-clientcreds/test"}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := oauth.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func answerWith(status int, ct, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func mustFail(t *testing.T, err error, want ...string) {
	t.Helper()
	_ = failure(t, err, want...)
}

// failure asserts err is the client's *oauth.Error and holds every want.
func failure(t *testing.T, err error, want ...string) *oauth.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error containing %q, got none", want)
	}
	var oe *oauth.Error
	if !errors.As(err, &oe) {
		t.Fatalf("expected *oauth.Error, got %T: %v", err, err)
	}
	msg := oe.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error does not contain %q:\n%s", w, msg)
		}
	}
	return oe
}
