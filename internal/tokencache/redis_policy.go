package tokencache

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// The transport policy of the shared cache, the token endpoint's rule
// applied to Redis: TLS (rediss://) to any host that is not loopback, unless
// the user accepts plain redis:// in so many words; certificate checks on,
// unless the user turns them off in so many words.

// ErrPlaintext is NewRedis' refusal of plain redis:// to a host that is not
// loopback without RedisOptions.AllowPlaintext.
var ErrPlaintext = errors.New("plain redis:// to a host that is not loopback")

// ErrSkipVerify is NewRedis' refusal of a URL that turns certificate checks
// off (?skip_verify=true) without RedisOptions.InsecureSkipVerify.
var ErrSkipVerify = errors.New("the Redis URL turns TLS certificate checks off")

// ErrSkipVerifyWithoutTLS is NewRedis' refusal of InsecureSkipVerify with a
// plain redis:// URL, where it would mean nothing.
var ErrSkipVerifyWithoutTLS = errors.New("certificate checks can be turned off only for rediss://")

// RefusalError is NewRedis' refusal with its particulars: Kind is the
// ErrPlaintext or ErrClientCert it is (errors.Is matches it) and Detail
// what in this configuration, for a message of the caller's own.
type RefusalError struct {
	Kind   error
	Detail string
}

func (e *RefusalError) Error() string { return e.Kind.Error() + ": " + e.Detail }
func (e *RefusalError) Unwrap() error { return e.Kind }

// nodeHosts returns the hosts of the nodes the URL names: its own and, for a
// cluster or Sentinel, every ?addr=, with a port or without one (a sentinel
// named without one is dialled at DefaultSentinelPort, as sentinelOptions
// reads it).
func nodeHosts(u *url.URL) []string {
	hosts := []string{u.Hostname()}
	for _, a := range u.Query()["addr"] {
		if h, _, err := net.SplitHostPort(a); err == nil {
			hosts = append(hosts, h)
		} else if h := strings.Trim(a, "[]"); h != "" {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// checkTransport applies the policy to the parsed URL.
func checkTransport(u *url.URL, o RedisOptions) error {
	if u.Scheme == "redis" && !o.AllowPlaintext {
		for _, h := range nodeHosts(u) {
			if !oauth.IsLoopback(h) {
				return &RefusalError{ErrPlaintext, h + " would receive the password and the cache's traffic unencrypted"}
			}
		}
	}
	if u.Scheme == "redis" && o.InsecureSkipVerify {
		return ErrSkipVerifyWithoutTLS
	}
	// go-redis' ParseURL reads skip_verify (for rediss://) with
	// strconv.ParseBool; its other options do not touch TLS, and its
	// cluster URLs take none that do.
	if q := u.Query(); q.Has("skip_verify") && !o.InsecureSkipVerify {
		if v, err := strconv.ParseBool(q.Get("skip_verify")); err != nil || v {
			return ErrSkipVerify
		}
	}
	return nil
}
