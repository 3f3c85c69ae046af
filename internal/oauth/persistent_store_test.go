package oauth

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

// memStore is a TokenStore in memory that keeps copies, as one on disk
// does: what the protocol hands a store and reads back from it, without a
// real backend (those are tested in internal/tokencache).
type memStore struct {
	mu      sync.Mutex
	entries map[string]Token
	keys    []StoreKey
}

func (s *memStore) id(k StoreKey) string {
	return fmt.Sprintf("%x|%x|%x", k.Fingerprint, k.Secret, k.Salt)
}

func (s *memStore) Load(k StoreKey, now time.Time) (*Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.entries[s.id(k)]
	if !ok || !now.Before(t.ExpiresAt) {
		return nil, false
	}
	return &t, true
}

func (s *memStore) Save(k StoreKey, t *Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entries == nil {
		s.entries = map[string]Token{}
	}
	s.entries[s.id(k)] = *t
	s.keys = append(s.keys, k)
	return nil
}

func (s *memStore) saved() []StoreKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]StoreKey(nil), s.keys...)
}

func withStore(s TokenStore) func(*Config) { return func(c *Config) { c.Store = s } }

// Each entry is keyed by the client's own secret, salted with its identity
// (client_id and token endpoint), and found by a fingerprint of the request.
func TestStoreKeyIsTheClientsSecretAndIdentity(t *testing.T) {
	u, n := countingServer(t, 3600, 0)
	store := &memStore{}
	req := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret)}
	for range 2 {
		if _, err := newClient(t, withStore(store)).Token(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	keys := store.saved()
	if n.Load() != 1 || len(keys) != 1 {
		t.Fatalf("%d requests and %d saves for two processes; want 1 and 1", n.Load(), len(keys))
	}
	if k := keys[0]; string(k.Secret) != testSecret || string(k.Salt) != "a\x00"+u || len(k.Fingerprint) != 32 {
		t.Errorf("the store key is %q salted %q", k.Secret, k.Salt)
	}
}

func TestPersistentStoreSkipsNearlyExpired(t *testing.T) {
	u, n := countingServer(t, 600, 0)
	store := &memStore{}
	req := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret)}
	_, _ = newClient(t, withStore(store)).Token(context.Background(), req)
	later := testhelp.Now.Add(9 * time.Minute)
	_, err := newClient(t, withStore(store), func(c *Config) { c.Now = func() time.Time { return later } }).Token(context.Background(), req)
	if err != nil || n.Load() != 2 {
		t.Errorf("a token with 1m of 10m left was reused from the store (%d requests, %v)", n.Load(), err)
	}
}

// A token bound to a client certificate (RFC 8705), or asserted with its
// x5t#S256, is not served to the same key with a rotated certificate.
func TestStoreFingerprintCoversTheCertificate(t *testing.T) {
	u, n := countingServer(t, 3600, 0)
	store := &memStore{}
	ca := testpki.NewCA(t)
	key, keyPEM := testpki.ECKey(t)
	for i := range 2 {
		cert := testpki.CertPEM(ca.Issue(t, fmt.Sprintf("client-%d", i), time.Hour, key.Public()))
		req := TokenRequest{TokenURL: u, ClientID: "a", AuthMethod: PrivateKeyJWT, PrivateKey: Inline(string(keyPEM)), CertificatePEM: cert, SigningAlgorithm: "ES256"}
		if _, err := newClient(t, withStore(store)).Token(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() != 2 {
		t.Errorf("a rotated certificate was served the old certificate's token (%d requests; want 2)", n.Load())
	}
	fp := func(alg string) []byte {
		r := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret), AuthMethod: ClientSecretJWT, SigningAlgorithm: alg}
		res, err := r.resolve(redact.New())
		if err != nil {
			t.Fatal(err)
		}
		return res.fingerprint()
	}
	if string(fp("HS256")) == string(fp("HS512")) {
		t.Error("the signing algorithm does not change the fingerprint")
	}
}

// A token read from the store, written by an earlier process, is known to
// the instance's sanitiser: a server that echoes it in an error does not
// show it.
func TestStoredTokenIsRedactedInLaterErrors(t *testing.T) {
	store := &memStore{}
	req := TokenRequest{TokenURL: "https://idp.example/token", ClientID: "cached", ClientSecret: Inline(testSecret), AuthMethod: ClientSecretBasic, Format: FormatForm}
	res, err := req.resolve(redact.New())
	if err != nil {
		t.Fatal(err)
	}
	k, ok := res.storeKey()
	if !ok {
		t.Fatal("no store key")
	}
	life := int64(3600)
	cached := "only-in-the-store-" + strings.Repeat("q7", 8)
	if err := store.Save(k, &Token{AccessToken: cached, TokenType: "Bearer", ExpiresIn: &life, IssuedAt: testhelp.Now, ExpiresAt: testhelp.Now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, withStore(store)) // one provider instance: one registry
	tok, err := c.Token(context.Background(), req)
	if err != nil || tok.AccessToken != cached {
		t.Fatalf("the stored token was not read: %v", err)
	}
	echo := serve(t, answerWith(400, "application/json", `{"error":"invalid_token","error_description":"token `+cached+` was revoked"}`))
	_, err = c.Token(context.Background(), TokenRequest{TokenURL: echo.URL, ClientID: "other", ClientSecret: Inline("other-secret"), NoShare: true})
	if err == nil || strings.Contains(err.Error(), cached) {
		t.Errorf("the stored token is shown: %v", err)
	}
}
