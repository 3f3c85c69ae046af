package identity

import (
	"context"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

// newClient is an oauth client with short waits, as the oauth tests use.
func newClient(t *testing.T, mods ...func(*oauth.Config)) *oauth.Client {
	t.Helper()
	return testhelp.New(t, oauth.NewClient, oauth.Config{RequestTimeout: 2 * time.Second, RetryWaitMin: 10 * time.Millisecond,
		RetryWaitMax: 50 * time.Millisecond, RetryBudget: 5 * time.Second, UserAgent: "terraform-provider-clientcreds/test"}, mods...)
}

func mustFail(t *testing.T, err error, want ...string) {
	t.Helper()
	_ = failure(t, err, want...)
}

// fetchOne fetches an identity token from src, which must ask ci once and
// return the token ci issued, and returns that request.
func fetchOne(t *testing.T, ci *ciserver.Server, c *oauth.Client, src oauth.IdentitySource) ciserver.Request {
	t.Helper()
	before := len(ci.Requests())
	tok, err := c.IdentityToken(context.Background(), src)
	if err != nil {
		t.Fatalf("%+v: %v", src, err)
	}
	reqs := ci.Requests()[before:]
	if len(reqs) != 1 {
		t.Fatalf("%+v: %d requests: %+v", src, len(reqs), reqs)
	}
	if issued := ci.Issued(); tok != issued[len(issued)-1] {
		t.Errorf("%+v: the token returned is not the one issued", src)
	}
	return reqs[0]
}

// failure asserts err is the client's *oauth.Error and holds every want.
func failure(t *testing.T, err error, want ...string) *oauth.Error {
	t.Helper()
	return testhelp.Failure[*oauth.Error](t, err, want...)
}
