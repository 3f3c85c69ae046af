// Package testhelp holds the small helpers that several packages' tests
// share: a test HTTP server, a handler with one fixed answer, environment
// variables from KEY=VALUE pairs, and the check of an error's type and
// text. It imports no package of this module, so any package's own tests
// can use it.
package testhelp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Serve starts an httptest server on 127.0.0.1 for the duration of the test.
func Serve(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// AnswerWith is a handler giving one fixed answer; no Content-Type when ct
// is empty.
func AnswerWith(status int, ct, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// SetEnv sets, for the duration of the test, each KEY=VALUE of kvs.
func SetEnv(t testing.TB, kvs []string) {
	t.Helper()
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// Failure asserts that err is (or wraps) an E whose text holds every want,
// and returns it.
func Failure[E error](t testing.TB, err error, want ...string) E {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error containing %q, got none", want)
	}
	var e E
	if !errors.As(err, &e) {
		t.Fatalf("expected %T, got %T: %v", e, err, err)
	}
	msg := e.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error does not contain %q:\n%s", w, msg)
		}
	}
	return e
}
