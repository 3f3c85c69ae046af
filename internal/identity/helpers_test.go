package identity

import (
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
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

// The shared test helpers, under the names these tests use.
var (
	serve      = testhelp.Serve
	answerWith = testhelp.AnswerWith
	setEnv     = testhelp.SetEnv
	startCI    = ciserver.StartT
)

func mustFail(t *testing.T, err error, want ...string) {
	t.Helper()
	_ = failure(t, err, want...)
}

// failure asserts err is the client's *oauth.Error and holds every want.
func failure(t *testing.T, err error, want ...string) *oauth.Error {
	t.Helper()
	return testhelp.Failure[*oauth.Error](t, err, want...)
}
