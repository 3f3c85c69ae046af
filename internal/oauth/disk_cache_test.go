//go:build unix

package oauth

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

func TestDiskCacheAcrossClients(t *testing.T) {
	u, n := countingServer(t, 3600, 0)
	dir := filepath.Join(t.TempDir(), "cache")
	store, err := NewDiskCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	req := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: testSecret}
	first, err := newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	// A new client is a new provider process: it reads the entry.
	second, err := newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if first.AccessToken != second.AccessToken || n.Load() != 1 {
		t.Errorf("second process got %q after %d requests", second.AccessToken, n.Load())
	}
	if !second.ExpiresAt.Equal(first.ExpiresAt) || *second.ExpiresIn != 3600 {
		t.Errorf("expiry not kept: %v %v", second.ExpiresAt, first.ExpiresAt)
	}

	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d entries", len(entries))
	}
	fi, _ := os.Stat(dir)
	ei, _ := entries[0].Info()
	if fi.Mode().Perm() != 0o700 || ei.Mode().Perm() != 0o600 {
		t.Errorf("modes dir %o file %o", fi.Mode().Perm(), ei.Mode().Perm())
	}
	raw, _ := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	for _, s := range []string{first.AccessToken, testSecret, "access_token"} {
		if contains(raw, s) {
			t.Errorf("the entry holds %q in clear", s)
		}
	}

	// Another secret cannot read it and gets its own token.
	other := req
	other.ClientSecret = "another-secret"
	tok, err := newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), other)
	if err != nil || tok.AccessToken == first.AccessToken {
		t.Errorf("a client with another secret got %v, %v", tok, err)
	}

	// A corrupt entry is a miss, and is replaced.
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, entries[0].Name()), []byte("clientcreds-token-v2\ngarbage"), 0o600))
	tok, err = newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), req)
	must(err)
	if tok.AccessToken == first.AccessToken {
		t.Error("corrupt entry was read")
	}
	again, err := newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), req)
	must(err)
	if again.AccessToken != tok.AccessToken {
		t.Error("the corrupt entry was not replaced")
	}
}

func TestDiskCacheSkipsNearlyExpired(t *testing.T) {
	u, n := countingServer(t, 600, 0)
	store, _ := NewDiskCache(filepath.Join(t.TempDir(), "c"))
	req := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: testSecret}
	_, _ = newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), req)
	later := fixedNow.Add(9 * time.Minute)
	_, err := newClient(t, func(c *Config) { c.Store = store; c.Now = func() time.Time { return later } }).Token(context.Background(), req)
	if err != nil || n.Load() != 2 {
		t.Errorf("a token with 1m of 10m left was reused from disk (%d requests, %v)", n.Load(), err)
	}
}

func TestDiskCacheRefusesOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := NewDiskCache(dir); err == nil {
		t.Error("a 0755 directory was accepted")
	}
}

// Many writers and readers of one entry: a reader sees a whole entry or none.
func TestDiskCacheConcurrentWriters(t *testing.T) {
	store, _ := NewDiskCache(filepath.Join(t.TempDir(), "c"))
	exp := int64(3600)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 50 {
				tok := &Token{AccessToken: fmt.Sprintf("w%d-%d", i, j), ExpiresIn: &exp, IssuedAt: fixedNow, ExpiresAt: fixedNow.Add(time.Hour)}
				if err := store.Save(testStoreKey(), tok); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 50 {
				if tok, ok := store.Load(testStoreKey(), fixedNow); ok && tok.AccessToken == "" {
					t.Error("read a partial entry")
				}
			}
		}()
	}
	wg.Wait()
	if _, ok := store.Load(testStoreKey(), fixedNow); !ok {
		t.Error("no entry after the writers finished")
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// testStoreKey is a store key for direct DiskCache tests.
func testStoreKey() StoreKey {
	return StoreKey{Fingerprint: []byte("fp"), Secret: []byte(testSecret), Salt: []byte("a\x00https://idp.example/token")}
}

func newStore(t *testing.T) (*DiskCache, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "c")
	store, err := NewDiskCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	return store, dir
}

// The directory must be the effective user's own: one another user made in
// advance with mode 0700 is refused.
func TestDiskCacheRefusesForeignOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another user; CI runs as root")
	}
	dir := filepath.Join(t.TempDir(), "planted")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	_, err := NewDiskCache(dir)
	if err == nil || !strings.Contains(err.Error(), "owned by user 65534") {
		t.Errorf("a directory owned by another user: %v", err)
	}
}

func TestDiskCacheRefusesSymlinkedDirectory(t *testing.T) {
	target := filepath.Join(t.TempDir(), "real")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	_, err := NewDiskCache(link)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a symlinked directory: %v", err)
	}
}

// A symbolic link above the cache directory is fine where only the user can
// change it, and refused where others can write beside it; so is an
// ancestor that others can write.
func TestDiskCacheRefusesAncestorsOthersCanChange(t *testing.T) {
	base := t.TempDir()
	realDir := filepath.Join(base, "realDir")
	for _, d := range []string{realDir, filepath.Join(realDir, "cache"), filepath.Join(base, "private"), filepath.Join(base, "shared")} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"private", "shared"} {
		if err := os.Symlink(realDir, filepath.Join(base, d, "link")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := NewDiskCache(filepath.Join(base, "private", "link", "cache")); err != nil {
		t.Errorf("a link in a private directory: %v", err)
	}
	if err := os.Chmod(filepath.Join(base, "shared"), 0o777); err != nil {
		t.Fatal(err)
	}
	_, err := NewDiskCache(filepath.Join(base, "shared", "link", "cache"))
	if err == nil || !strings.Contains(err.Error(), "the directory holding the symbolic link") || !strings.Contains(err.Error(), "may be written by other users") {
		t.Errorf("a link in a directory others can write: %v", err)
	}
	if err := os.Chmod(realDir, 0o777); err != nil {
		t.Fatal(err)
	}
	_, err = NewDiskCache(filepath.Join(realDir, "cache"))
	if err == nil || !strings.Contains(err.Error(), "may be written by other users (mode 0777)") {
		t.Errorf("a parent others can write: %v", err)
	}
}

// An entry that is a FIFO, a link to /dev/zero, a link to a valid entry
// elsewhere, or a file past the size cap is a miss, at once.
func TestDiskCacheEntriesMustBeSmallRegularFiles(t *testing.T) {
	exp := int64(3600)
	tok := &Token{AccessToken: "kept-token", ExpiresIn: &exp, IssuedAt: fixedNow, ExpiresAt: fixedNow.Add(time.Hour)}
	elsewhere, _ := newStore(t)
	if err := elsewhere.Save(testStoreKey(), tok); err != nil {
		t.Fatal(err)
	}
	name, _, _ := testStoreKey().derive()
	for _, tc := range []struct {
		name  string
		plant func(path string) error
	}{
		{"FIFO", func(p string) error { return syscall.Mkfifo(p, 0o600) }},
		{"link to /dev/zero", func(p string) error { return os.Symlink("/dev/zero", p) }},
		{"link to a valid entry", func(p string) error { return os.Symlink(filepath.Join(elsewhere.dir, name), p) }},
		{"oversized", func(p string) error {
			return os.WriteFile(p, append(append([]byte{}, entryMagic...), make([]byte, 2<<20)...), 0o600)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store, dir := newStore(t)
			if err := tc.plant(filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
			// A hang here is the bug; the generous bound only turns it
			// into a failure instead of the suite's timeout.
			done := make(chan bool, 1)
			go func() {
				_, ok := store.Load(testStoreKey(), fixedNow)
				done <- ok
			}()
			select {
			case ok := <-done:
				if ok {
					t.Error("the planted entry was read")
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Load blocked on the planted entry")
			}
		})
	}
}

// Entry names and keys come from Argon2id at OWASP's minimum over the
// secret, salted with the client's identity: a name can be checked against
// a guess only at that cost.
func TestDiskCacheNamesComeFromArgon2id(t *testing.T) {
	u, _ := countingServer(t, 3600, 0)
	store, dir := newStore(t)
	req := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: "Autumn2023!"}
	if _, err := newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	req.AuthMethod, req.Format = ClientSecretBasic, FormatForm
	master := argon2.IDKey([]byte("Autumn2023!"), []byte("clientcreds token cache v2\x00a\x00"+u), 2, 19*1024, 1, 32)
	n, err := hkdf.Key(sha256.New, master, req.fingerprint(), "clientcreds token cache v2 name", 16)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, hex.EncodeToString(n)+".token")); err != nil {
		entries, _ := os.ReadDir(dir)
		t.Errorf("no entry named by Argon2id(t=2, m=19 MiB, p=1); the directory holds %v", entries)
	}
}

// A token bound to a client certificate (RFC 8705), or asserted with its
// x5t#S256, is not served to the same key with a rotated certificate.
func TestDiskCacheFingerprintCoversTheCertificate(t *testing.T) {
	u, n := countingServer(t, 3600, 0)
	store, _ := newStore(t)
	ca := testpki.NewCA(t)
	key, keyPEM := testpki.ECKey(t)
	for i := range 2 {
		cert := testpki.CertPEM(ca.Issue(t, fmt.Sprintf("client-%d", i), time.Hour, key.Public()))
		req := TokenRequest{TokenURL: u, ClientID: "a", AuthMethod: PrivateKeyJWT, PrivateKeyPEM: keyPEM, CertificatePEM: cert, SigningAlgorithm: "ES256"}
		if _, err := newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() != 2 {
		t.Errorf("a rotated certificate was served the old certificate's token (%d requests; want 2)", n.Load())
	}
	other := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: testSecret, AuthMethod: ClientSecretJWT, SigningAlgorithm: "HS256"}
	if other.fingerprint() == nil || string(other.fingerprint()) == string((&TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: testSecret,
		AuthMethod: ClientSecretJWT, SigningAlgorithm: "HS512"}).fingerprint()) {
		t.Error("the signing algorithm does not change the fingerprint")
	}
}

// However long the server says a token lives, it is kept on disk for at
// most a day, and removed once past that.
func TestDiskCacheKeepsEntriesAtMostADay(t *testing.T) {
	u, n := countingServer(t, 9_000_000_000, 0) // about 285 years
	store, dir := newStore(t)
	req := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: testSecret}
	at := func(d time.Duration) func(*Config) {
		return func(c *Config) { c.Store = store; c.Now = func() time.Time { return fixedNow.Add(d) } }
	}
	for _, d := range []time.Duration{0, 23 * time.Hour} {
		if _, err := newClient(t, at(d)).Token(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() != 1 {
		t.Fatalf("within a day: %d requests; want 1", n.Load())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d entries", len(entries))
	}
	if _, ok := store.Load(req.mustStoreKey(t), fixedNow.Add(25*time.Hour)); ok {
		t.Error("an entry was read 25 hours after its token was issued")
	}
	if _, err := os.Stat(filepath.Join(dir, entries[0].Name())); !os.IsNotExist(err) {
		t.Errorf("the entry past its time is still on disk: %v", err)
	}
}

func (r TokenRequest) mustStoreKey(t *testing.T) StoreKey {
	t.Helper()
	r.AuthMethod, r.Format = ClientSecretBasic, FormatForm // as Token fills them in
	k, ok := r.storeKey()
	if !ok {
		t.Fatal("no store key")
	}
	return k
}

// A token read from the disk cache, written by an earlier process, is known
// to the sanitiser: a server that echoes it in an error does not show it.
func TestCachedTokenIsRedactedInLaterErrors(t *testing.T) {
	store, err := NewDiskCache(filepath.Join(t.TempDir(), "cache"))
	if err != nil {
		t.Fatal(err)
	}
	req := TokenRequest{TokenURL: "https://idp.example/token", ClientID: "cached", ClientSecret: testSecret}
	now := time.Now()
	life := int64(3600)
	cached := "only-in-the-cache-" + strings.Repeat("q7", 8)
	if err := store.Save(req.mustStoreKey(t), &Token{AccessToken: cached, TokenType: "Bearer", ExpiresIn: &life,
		IssuedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	tok, err := newClient(t, realClock, func(c *Config) { c.Store = store }).Token(context.Background(), req)
	if err != nil || tok.AccessToken != cached {
		t.Fatalf("the cached token was not read: %v", err)
	}
	echo := serve(t, answerWith(400, "application/json", `{"error":"invalid_token","error_description":"token `+cached+` was revoked"}`))
	_, err = newClient(t).Token(context.Background(), TokenRequest{TokenURL: echo.URL, ClientID: "other", ClientSecret: "other-secret", NoShare: true})
	if err == nil || strings.Contains(err.Error(), cached) {
		t.Errorf("the cached token is shown: %v", err)
	}
}
