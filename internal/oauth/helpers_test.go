package oauth

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

const testSecret = "s3cr3t-Zq9!/+&= value"

// newClient returns a client with short waits, for tests.
func newClient(t *testing.T, mods ...func(*Config)) *Client {
	t.Helper()
	return testhelp.New(t, NewClient, Config{
		RequestTimeout: 2 * time.Second,
		RetryWaitMin:   10 * time.Millisecond,
		RetryWaitMax:   50 * time.Millisecond,
		RetryBudget:    5 * time.Second,
		Now:            func() time.Time { return testhelp.Now },
		UserAgent:      "terraform-provider-clientcreds/test",
	}, mods...)
}

// The shared test helpers, under the names these tests use.
var (
	serve      = testhelp.Serve
	answerWith = testhelp.AnswerWith
	setEnv     = testhelp.SetEnv
)

// mustFail asserts err is an *Error whose text holds every want, and never
// the client secret.
func mustFail(t *testing.T, err error, want ...string) {
	t.Helper()
	_ = failure(t, err, want...)
}

// failure is mustFail returning the *Error, for tests that look further.
func failure(t *testing.T, err error, want ...string) *Error {
	t.Helper()
	oe := testhelp.Failure[*Error](t, err, want...)
	msg := oe.Error()
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
