package tokencache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

// Plain redis:// is for loopback only, password or not, unless the user
// accepts it; TLS is for everything else. A cluster URL's every node counts.
func TestRedisPlaintextOnlyToLoopback(t *testing.T) {
	for _, tc := range []struct {
		url   string
		allow bool
		want  error
	}{
		{"redis://127.0.0.1:6379/0", false, nil},
		{"redis://127.8.9.10:6379", false, nil},
		{"redis://localhost:6379", false, nil},
		{"redis://[::1]:6379", false, nil},
		{"redis://cache.internal:6379", false, tokencache.ErrPlaintext},
		{"redis://:pw@10.0.0.5:6379", false, tokencache.ErrPlaintext},
		{"redis://redis.localhost:6379", false, tokencache.ErrPlaintext},
		{"redis://127.0.0.1:7000?addr=10.0.0.6:7000", false, tokencache.ErrPlaintext},
		{"redis://cache.internal:6379", true, nil},
		{"redis://127.0.0.1:7000?addr=10.0.0.6:7000", true, nil},
		{"rediss://cache.internal:6379", false, nil},
		{"rediss://cache.internal:7000?addr=10.0.0.6:7000", false, nil},
	} {
		s, err := tokencache.NewRedis(tokencache.RedisOptions{URL: tc.url, AllowPlaintext: tc.allow})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s (allow_plaintext %v): error %v; want %v", tc.url, tc.allow, err, tc.want)
		}
		if s != nil {
			_ = s.Close()
		}
	}
}

// Certificate checks go off only with InsecureSkipVerify; a URL's
// ?skip_verify=true alone is refused.
func TestRedisSkipVerifyNeedsTheOption(t *testing.T) {
	for _, tc := range []struct {
		url  string
		skip bool
		want error
	}{
		{"rediss://cache.internal:6379?skip_verify=true", false, tokencache.ErrSkipVerify},
		{"rediss://cache.internal:6379?skip_verify=1", false, tokencache.ErrSkipVerify},
		{"rediss://cache.internal:6379?skip_verify=", false, tokencache.ErrSkipVerify},
		{"rediss://cache.internal:6379?skip_verify=false", false, nil},
		{"rediss://cache.internal:6379?skip_verify=true", true, nil},
		{"rediss://cache.internal:6379", true, nil},
		{"redis://127.0.0.1:6379", true, tokencache.ErrSkipVerifyWithoutTLS},
	} {
		s, err := tokencache.NewRedis(tokencache.RedisOptions{URL: tc.url, InsecureSkipVerify: tc.skip})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s (insecure_skip_verify %v): error %v; want %v", tc.url, tc.skip, err, tc.want)
		}
		if s != nil {
			_ = s.Close()
		}
	}
	// With the option, a server whose CA is not given is used.
	ca := testpki.NewCA(t)
	key, keyPEM := testpki.ECKey(t)
	rs := testredis.Start(t, testredis.Options{TLSCertPEM: testpki.CertPEM(ca.Issue(t, "127.0.0.1", time.Hour, key.Public())), TLSKeyPEM: keyPEM})
	ts := startTokenServer(t, 0, false)
	c, store := machine(t, tokencache.RedisOptions{URL: rs.URL, InsecureSkipVerify: true})
	if _, err := c.Token(context.Background(), fleetRequest(ts.url)); err != nil {
		t.Fatal(err)
	}
	if w := store.Warning(); w != "" {
		t.Errorf("insecure_skip_verify did not take: %s", w)
	}
}
