package tokencache

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// The three shapes a shared cache takes: one server (or a managed
// service's primary endpoint, which moves to a replica on failover), a
// cluster (the URL's host and every ?addr= are seed nodes), and a primary
// with replicas watched by Sentinel (the URL's hosts are the sentinels).
// Every one keeps the transport policy (redis_policy.go), the node guard
// (redis_cluster.go) and the key layout below.

type topology int

const (
	topologySingle topology = iota
	topologyCluster
	topologySentinel
)

// SentinelOptions find the primary through Sentinel.
type SentinelOptions struct {
	// MasterName is the primary's name as the sentinels know it.
	MasterName string
	// Username and Password authenticate to the sentinels themselves
	// (Sentinel's own requirepass or ACL), not to the data nodes.
	Username, Password string
}

// DefaultSentinelPort is the port of a sentinel named without one.
const DefaultSentinelPort = "26379"

// ErrClientCert is NewRedis' refusal of a client certificate or key it
// cannot use.
var ErrClientCert = errors.New("unusable Redis client certificate")

func topologyOf(u *url.URL, o RedisOptions) topology {
	switch {
	case o.Sentinel != nil:
		return topologySentinel
	case u.Query().Has("addr"):
		return topologyCluster
	}
	return topologySingle
}

// Keys. Every key of one credential set carries the entry's name in a hash
// tag, {name}: a cluster puts the entry and its lock in one slot, so that
// the lock guarding an entry is always on the entry's node and a failover
// moves them together. A prefix may hold no brace (NewRedis refuses one):
// "{}" in it would make the first tag empty, and a cluster would then hash
// each whole key, the entry and its lock to different slots.

// entryKey and lockKey are the Redis keys of the entry name.
func (r *Redis) entryKey(name string) string {
	return r.prefix + "{" + strings.TrimSuffix(name, ".token") + "}.token"
}

func (r *Redis) lockKey(name string) string {
	return r.prefix + "{" + strings.TrimSuffix(name, ".token") + "}.lock"
}

// universalOptions parses the URL for its topology.
func universalOptions(raw string, u *url.URL, top topology) (*redis.UniversalOptions, error) {
	switch top {
	case topologyCluster:
		co, err := redis.ParseClusterURL(raw)
		if err != nil {
			return nil, err
		}
		return &redis.UniversalOptions{Addrs: co.Addrs, Username: co.Username, Password: co.Password, TLSConfig: co.TLSConfig, IsClusterMode: true}, nil
	case topologySentinel:
		return sentinelOptions(u)
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		return nil, err
	}
	return &redis.UniversalOptions{Addrs: []string{o.Addr}, DB: o.DB, Username: o.Username, Password: o.Password, TLSConfig: o.TLSConfig}, nil
}

// sentinelOptions reads a Sentinel URL: rediss://[user[:password]@]
// sentinel-1[:26379][/db][?addr=sentinel-2:26379&addr=...]. The only query
// parameters are addr and skip_verify (checked by checkTransport).
func sentinelOptions(u *url.URL) (*redis.UniversalOptions, error) {
	for k := range u.Query() {
		if k != "addr" && k != "skip_verify" {
			return nil, fmt.Errorf("a Sentinel URL takes no %q parameter", k)
		}
	}
	o := &redis.UniversalOptions{}
	for _, a := range append([]string{u.Host}, u.Query()["addr"]...) {
		if _, _, err := net.SplitHostPort(a); err != nil {
			a = net.JoinHostPort(strings.Trim(a, "[]"), DefaultSentinelPort)
		}
		o.Addrs = append(o.Addrs, a)
	}
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		db, err := strconv.Atoi(p)
		if err != nil || db < 0 {
			return nil, errors.New("the database in a Sentinel URL must be a number")
		}
		o.DB = db
	}
	if u.Scheme == "rediss" {
		// No ServerName: each connection checks the certificate against the
		// host it dials, a sentinel or the primary a sentinel names.
		o.TLSConfig = &tls.Config{} //nolint:gosec // MinVersion is set by configureTLS
	}
	return o, nil
}

// configureTLS applies the options to a rediss:// TLS configuration: TLS
// 1.2 or newer, checks on unless turned off in so many words, a private CA,
// and a client certificate for servers that ask for one.
func configureTLS(c *tls.Config, o RedisOptions) error {
	c.MinVersion = tls.VersionTLS12
	c.InsecureSkipVerify = o.InsecureSkipVerify
	if len(o.CACertPEM) > 0 {
		pool, err := oauth.RootsWith(o.CACertPEM)
		if err != nil {
			return errors.New("the Redis CA bundle holds no PEM certificate")
		}
		c.RootCAs = pool
	}
	switch {
	case len(o.ClientCertPEM) == 0 && len(o.ClientKeyPEM) == 0:
	case len(o.ClientCertPEM) == 0:
		return &RefusalError{ErrClientCert, "a client key needs its certificate (client_cert_file)"}
	case len(o.ClientKeyPEM) == 0:
		return &RefusalError{ErrClientCert, "a client certificate needs its key (client_key, client_key_file or client_key_env)"}
	default:
		cert, err := tls.X509KeyPair(o.ClientCertPEM, o.ClientKeyPEM)
		if err != nil {
			// The parser's text names neither the key nor its bytes, but it
			// is not ours: say what is wrong in our words.
			return &RefusalError{ErrClientCert, "the certificate and key do not form a pair (each must be PEM, the key unencrypted, and the key must match the certificate)"}
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return nil
}
