package oauth

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
)

// forgettingStore is a memStore that can drop an entry, as the disk and
// Redis stores can.
type forgettingStore struct {
	memStore
	forgot []string
}

func (s *forgettingStore) Forget(k StoreKey, accessToken string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.entries[s.id(k)]; ok && t.AccessToken == accessToken {
		delete(s.entries, s.id(k))
		s.forgot = append(s.forgot, accessToken)
	}
	return nil
}

// A token the API refused is dropped from the run's sharing and from the
// store: the next request asks the server, and gets a new token.
func TestRejectedTokenIsDroppedFromSharingAndStore(t *testing.T) {
	var n atomic.Int32
	u, _ := tokenServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"access_token":"issued-token-%d","token_type":"Bearer","expires_in":7200}`, n.Add(1))
	})
	store := &forgettingStore{}
	c := newClient(t, withStore(store))
	req := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret)}
	first, err := c.Token(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.Token(context.Background(), req); again.AccessToken != first.AccessToken {
		t.Fatalf("the token was not shared before it was refused: %s, then %s", first.AccessToken, again.AccessToken)
	}
	c.Reject(context.Background(), req, first.AccessToken)
	if len(store.forgot) != 1 || store.forgot[0] != first.AccessToken {
		t.Errorf("the store was told to forget %v; want the refused token", store.forgot)
	}
	next, err := c.Token(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if next.AccessToken == first.AccessToken || n.Load() != 2 {
		t.Errorf("after the refusal the client handed out %s after %d requests; want a new token from a second request", next.AccessToken, n.Load())
	}
}
