package tokencache_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

// Two clients are two provider processes: the second reads the token the
// first wrote to disk, and a client with another secret gets its own.
func TestDiskCacheAcrossProcesses(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":3600}`, n.Add(1))
	}))
	t.Cleanup(srv.Close)
	store, err := tokencache.NewDiskCache(filepath.Join(t.TempDir(), "cache"))
	if err != nil {
		t.Fatal(err)
	}
	process := func(secret string) *oauth.Token {
		t.Helper()
		c, err := oauth.NewClient(oauth.Config{RequestTimeout: 5 * time.Second, Now: time.Now, Store: store, UserAgent: "test"})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := c.Token(context.Background(), oauth.TokenRequest{TokenURL: srv.URL, ClientID: "a", ClientSecret: oauth.Inline(secret)})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	first, second := process("first-secret-value"), process("first-secret-value")
	if first.AccessToken != second.AccessToken || n.Load() != 1 {
		t.Errorf("the second process got %q after %d requests", second.AccessToken, n.Load())
	}
	if !second.ExpiresAt.Equal(first.ExpiresAt) || *second.ExpiresIn != 3600 {
		t.Errorf("expiry not kept: %v %v", second.ExpiresAt, first.ExpiresAt)
	}
	if other := process("another-secret-value"); other.AccessToken == first.AccessToken {
		t.Error("a client with another secret got the first one's token")
	}
}
