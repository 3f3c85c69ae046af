// Package testhelp holds the small helpers that several packages' tests
// share: a test HTTP server, a handler with one fixed answer, environment
// variables from KEY=VALUE pairs, the check of an error's type and text,
// a constructor with test options, a fixed clock, a fake server's log of
// what it was asked, a sampler for a peak while something runs, calls made at once,
// and the wait for a started server to listen. It imports no package of
// this module, so any package's own tests can use it.
package testhelp

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Now is the fixed clock of tests that check exact expiry times.
var Now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

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

// New applies each mod to cfg and builds the value with newV, failing the
// test on an error: a test's constructor with per-test options.
func New[C, V any](t testing.TB, newV func(C) (V, error), cfg C, mods ...func(*C)) V {
	t.Helper()
	for _, m := range mods {
		m(&cfg)
	}
	v, err := newV(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Listening waits, up to within, for a server just started to accept TCP
// connections on addr; alive says whether its process still runs, so that
// one that died is given up on at once. False when it never listened.
func Listening(addr string, within time.Duration, alive func() bool) bool {
	for deadline := time.Now().Add(within); alive() && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			return true
		}
	}
	return false
}
