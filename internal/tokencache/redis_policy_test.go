package tokencache_test

import (
	"errors"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

// NewRedis's URL policy. Plain redis:// is for loopback only, password or
// not, unless the user accepts it; TLS is for everything else; a cluster
// URL's every node counts. Certificate checks go off only with
// InsecureSkipVerify; a URL's ?skip_verify=true alone is refused.
func TestRedisURLPolicy(t *testing.T) {
	for _, tc := range []struct {
		url         string
		allow, skip bool
		want        error
	}{
		{"redis://127.0.0.1:6379/0", false, false, nil},
		{"redis://127.8.9.10:6379", false, false, nil},
		{"redis://localhost:6379", false, false, nil},
		{"redis://[::1]:6379", false, false, nil},
		{"redis://cache.internal:6379", false, false, tokencache.ErrPlaintext},
		{"redis://:pw@10.0.0.5:6379", false, false, tokencache.ErrPlaintext},
		{"redis://redis.localhost:6379", false, false, tokencache.ErrPlaintext},
		{"redis://127.0.0.1:7000?addr=10.0.0.6:7000", false, false, tokencache.ErrPlaintext},
		{"redis://cache.internal:6379", true, false, nil},
		{"redis://127.0.0.1:7000?addr=10.0.0.6:7000", true, false, nil},
		{"rediss://cache.internal:6379", false, false, nil},
		{"rediss://cache.internal:7000?addr=10.0.0.6:7000", false, false, nil},

		{"rediss://cache.internal:6379?skip_verify=true", false, false, tokencache.ErrSkipVerify},
		{"rediss://cache.internal:6379?skip_verify=1", false, false, tokencache.ErrSkipVerify},
		{"rediss://cache.internal:6379?skip_verify=", false, false, tokencache.ErrSkipVerify},
		{"rediss://cache.internal:6379?skip_verify=false", false, false, nil},
		{"rediss://cache.internal:6379?skip_verify=true", false, true, nil},
		{"rediss://cache.internal:6379", false, true, nil},
		{"redis://127.0.0.1:6379", false, true, tokencache.ErrSkipVerifyWithoutTLS},
	} {
		s, err := tokencache.NewRedis(tokencache.RedisOptions{URL: tc.url, AllowPlaintext: tc.allow, InsecureSkipVerify: tc.skip})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s (allow_plaintext %v, insecure_skip_verify %v): error %v; want %v", tc.url, tc.allow, tc.skip, err, tc.want)
		}
		if s != nil {
			_ = s.Close()
		}
	}
}

// With InsecureSkipVerify, a server whose CA is not given is used.
func TestRedisSkipVerifyTakes(t *testing.T) {
	ca := testpki.NewCA(t)
	key, keyPEM := testpki.ECKey(t)
	rs := testredis.Start(t, testredis.Options{TLSCertPEM: testpki.CertPEM(ca.Issue(t, "127.0.0.1", time.Hour, key.Public())), TLSKeyPEM: keyPEM})
	ts := startTokenServer(t, 0, false)
	c, store := machine(t, tokencache.RedisOptions{URL: rs.URL, InsecureSkipVerify: true})
	fleetToken(t, c, ts)
	if w := store.Warning(); w != "" {
		t.Errorf("insecure_skip_verify did not take: %s", w)
	}
}

// A sentinel named in ?addr= without a port (Sentinel's 26379 is taken)
// counts as every node does: plain redis:// to it is refused when it is not
// loopback, as it is with a port.
func TestRedisSentinelAddrWithoutPortPolicy(t *testing.T) {
	for url, want := range map[string]error{
		"redis://127.0.0.1:26379?addr=sentinel-2.internal":       tokencache.ErrPlaintext,
		"redis://127.0.0.1:26379?addr=10.0.0.7":                  tokencache.ErrPlaintext,
		"redis://127.0.0.1:26379?addr=[fd00::7]":                 tokencache.ErrPlaintext,
		"redis://127.0.0.1:26379?addr=sentinel-2.internal:26379": tokencache.ErrPlaintext,
	} {
		s, err := tokencache.NewRedis(tokencache.RedisOptions{URL: url, Sentinel: &tokencache.SentinelOptions{MasterName: "mymaster"}})
		if !errors.Is(err, want) {
			t.Errorf("%s: error %v; want %v", url, err, want)
		}
		if s != nil {
			_ = s.Close()
		}
	}
}
