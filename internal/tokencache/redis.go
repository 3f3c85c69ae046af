package tokencache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// Redis is an oauth.TokenStore shared by many machines, on Redis or
// anything that speaks its protocol (Valkey, ElastiCache, Memorystore,
// Azure Cache for Redis). Entries are the disk store's, sealed and named
// with keys derived from the client's own secret, so the store learns
// neither a token nor a client id nor which entries belong together; each
// expires in Redis when its token stops being kept. It is also an
// oauth.StoreLocker: a lock with an expiry makes runs on other machines wait
// for the one that fetches.
//
// It is never a reason to fail: an unreachable, slow, full, read-only or
// garbled store is a miss, every call is bounded by a short timeout, and the
// first failure is kept for one warning (Warning), which names the cause in
// the provider's own words (see describe) and the server, never the
// password nor any text the server sent. Behind Sentinel and in a cluster
// (redis_topology.go), the errors of a failover are first waited out, within
// the run's lock_wait (redis_failover.go).
type Redis struct {
	client   redis.UniversalClient
	topology topology
	prefix   string
	lockWait time.Duration
	timeout  time.Duration
	server   string // for messages: the URL without credentials
	san      *redact.Registry

	// down is set at the first failure: for the rest of the run every call
	// is a miss at once, rather than a timeout each.
	down atomic.Bool
	// authFailed is set when the server answered AUTH (or HELLO's AUTH)
	// with an error: go-redis returns that answer as is, indistinguishable
	// from an answer to GET, so the hook (authHook) tells them apart.
	authFailed atomic.Bool
	// refused is the first address the cluster guard refused.
	refused atomic.Pointer[errAddressRefused]

	mu      sync.Mutex
	warning string
	warned  bool

	// seen is the rollback floor of each entry (rollback.go).
	seen floors

	// budgets holds, per entry name, until when this run may wait out a
	// failover (redis_failover.go): set by Lock, used by Save.
	budgets sync.Map
	// failovers counts the calls that met a failover and were tried again.
	failovers atomic.Int64
	// unconfirmed is set when no replica confirmed an entry this run
	// stored (redis_failover.go).
	unconfirmed atomic.Bool
	// noWait is set when the server refused ROLE or WAIT.
	noWait atomic.Bool
}

// RedisOptions configure a Redis store.
type RedisOptions struct {
	// URL is redis:// or rediss:// as the Go client for Redis parses it
	// (host, port, database, username); ?addr=host:port, repeated, names
	// further nodes of a cluster. With Sentinel, the URL's hosts (its own
	// and every ?addr=) are the sentinels, and its username, password and
	// database are the data nodes'.
	URL string
	// Password, when set, replaces the URL's.
	Password string
	// Sentinel, when set, finds the primary through Sentinel
	// (redis_topology.go).
	Sentinel *SentinelOptions
	// CACertPEM is added to the system's roots for rediss://.
	CACertPEM []byte
	// ClientCertPEM and ClientKeyPEM are the client certificate (with any
	// intermediates) and its key, for servers that ask for one
	// (tls-auth-clients); both or neither.
	ClientCertPEM, ClientKeyPEM []byte
	// KeyPrefix starts every key; DefaultKeyPrefix when empty.
	KeyPrefix string
	// LockWait bounds how long a run waits for another's token;
	// DefaultLockWait when zero.
	LockWait time.Duration
	// Timeout bounds every call; DefaultRedisTimeout when zero.
	Timeout time.Duration
	// AllowPlaintext accepts redis:// (no TLS) to nodes that are not
	// loopback: without it NewRedis refuses them (ErrPlaintext), whether or
	// not there is a password, since the locks and entries are the cache too.
	AllowPlaintext bool
	// InsecureSkipVerify turns off the checks of the server's certificate
	// for rediss://, and is the only way to: a URL's ?skip_verify=true
	// without it is refused (ErrSkipVerify).
	InsecureSkipVerify bool
	// ClusterNetworks are where a cluster's nodes may be besides the hosts
	// the URL names: a MOVED or ASK answer, or the slot map, naming an
	// address elsewhere is refused (redis_cluster.go).
	ClusterNetworks []netip.Prefix
	// Redact is the provider instance's registry, and the store's messages
	// pass it. Password, ClientKeyPEM and Sentinel.Password must already be
	// in it (registered where they are read, oauth.Secret.Read); NewRedis
	// adds only the credentials in the URL.
	Redact *redact.Registry
}

// Defaults of RedisOptions.
const (
	DefaultKeyPrefix    = "clientcreds:"
	DefaultLockWait     = 5 * time.Second
	DefaultRedisTimeout = time.Second
	// lockTTL frees the lock of a run that died while fetching.
	lockTTL = 30 * time.Second
	// lockPoll is how often a waiting run looks again.
	lockPoll = 25 * time.Millisecond
)

// ErrNoMasterName is NewRedis' refusal of a Sentinel configuration
// without the primary's name.
var ErrNoMasterName = errors.New("the Sentinel configuration needs the primary's name (master_name)")

// ErrKeyPrefixBraces refuses a key prefix holding a brace: the store puts
// each credential set's hash tag in its keys itself.
var ErrKeyPrefixBraces = errors.New("the key prefix may not hold { or }: the cache puts each credential set's hash tag in its keys itself, so that a cluster keeps an entry and its lock in one slot")

// NewRedis makes a store for o. It does not connect: a store that cannot be
// reached is found out, and warned about, at its first use.
func NewRedis(o RedisOptions) (*Redis, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return nil, errors.New("the Redis URL must be redis://host:port[/db] or rediss://host:port[/db]")
	}
	if o.Redact == nil {
		o.Redact = redact.New()
	}
	// The URL's password and secret-looking query values, before any
	// message about the URL can be made.
	o.Redact.RememberURL(o.URL)
	server := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	if err := checkTransport(u, o); err != nil {
		return nil, err
	}
	top := topologyOf(u, o)
	if top == topologySentinel && o.Sentinel.MasterName == "" {
		return nil, ErrNoMasterName
	}
	uo, err := universalOptions(o.URL, u, top)
	if err != nil {
		return nil, fmt.Errorf("the Redis URL %s cannot be used: %s", server, o.Redact.Sanitize(err.Error(), 200))
	}
	if o.Password != "" {
		uo.Password = o.Password
	}
	if uo.TLSConfig != nil {
		if err := configureTLS(uo.TLSConfig, o); err != nil {
			return nil, err
		}
	} else if len(o.ClientCertPEM) > 0 || len(o.ClientKeyPEM) > 0 {
		return nil, &RefusalError{ErrClientCert, "a client certificate needs rediss:// (TLS)"}
	}
	if strings.ContainsAny(o.KeyPrefix, "{}") {
		return nil, ErrKeyPrefixBraces
	}
	r := &Redis{topology: top, prefix: o.KeyPrefix, lockWait: o.LockWait, timeout: o.Timeout, server: server, san: o.Redact}
	if r.prefix == "" {
		r.prefix = DefaultKeyPrefix
	}
	if r.lockWait <= 0 {
		r.lockWait = DefaultLockWait
	}
	if r.timeout <= 0 {
		r.timeout = DefaultRedisTimeout
	}
	uo.DialTimeout, uo.ReadTimeout, uo.WriteTimeout = r.timeout, r.timeout, r.timeout
	uo.ContextTimeoutEnabled = true
	uo.MaxRetries = -1   // a failed call is a miss; retrying only delays the plan
	uo.DialerRetries = 1 // one attempt per dial, for the same reason
	quietClient.Do(func() { redis.SetLogger(discardLogger{}) })
	uo.DisableIdentity = true
	guard := newNodeGuard(r, u, o)
	switch top {
	case topologyCluster:
		c := redis.NewClusterClient(uo.Cluster())
		c.OnNewNode(func(node *redis.Client) { node.AddHook(guard); node.AddHook(authHook{r}) })
		r.client = c
	case topologySentinel:
		fo := uo.Failover()
		fo.MasterName, fo.SentinelUsername, fo.SentinelPassword = o.Sentinel.MasterName, o.Sentinel.Username, o.Sentinel.Password
		// The failover client's hooks see its own name, not the address a
		// sentinel named: the guard sits in its dialer, which dials the
		// sentinels (the URL's hosts) and the primary.
		fo.Dialer = guard.dialer(fo.TLSConfig, r.timeout)
		c := redis.NewFailoverClient(fo)
		c.AddHook(authHook{r})
		r.client = c
	default:
		c := redis.NewClient(uo.Simple())
		c.AddHook(authHook{r})
		r.client = c
	}
	return r, nil
}

// quietClient turns off go-redis' own logging, once per process: it writes
// some failures with the server's text in them (a cluster node's answer to
// COMMAND, for one) to standard error, which is Terraform's log. What goes
// wrong reaches the user through Warning, classified (describe).
var quietClient sync.Once

type discardLogger struct{}

func (discardLogger) Printf(context.Context, string, ...any) {}

// Close releases the connections.
func (r *Redis) Close() error { return r.client.Close() }

func (r *Redis) call() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), r.timeout)
}

// Load returns the entry for k if there is one that opens and may still be
// kept at now.
func (r *Redis) Load(k oauth.StoreKey, now time.Time) (*oauth.Token, bool) {
	if r.down.Load() {
		return nil, false
	}
	name, key, err := derive(k)
	if err != nil {
		return nil, false
	}
	var raw []byte
	err = r.retry(r.budget(name), func(ctx context.Context) (err error) {
		raw, err = r.client.Get(ctx, r.entryKey(name)).Bytes()
		return err
	})
	if err != nil {
		// A failover met before this run's Lock is a miss for now: Lock
		// waits it out.
		if !errors.Is(err, redis.Nil) && !r.inFailover(err) {
			r.fail("reading", err)
		}
		return nil, false
	}
	if len(raw) > maxEntrySize {
		return nil, false
	}
	t, state := unsealEntry(name, key, raw, now)
	if state != entryValid || !r.seen.accept(name, t.IssuedAt) {
		return nil, false // an entry older than one this process saw: rolled back
	}
	return t, true
}

// Save stores t for k until it stops being kept.
func (r *Redis) Save(k oauth.StoreKey, t *oauth.Token) error {
	if r.down.Load() {
		return errors.New("the shared token cache is unavailable for this run")
	}
	e, err := sealEntry(k, t)
	if err != nil {
		return err
	}
	ttl := time.Until(e.keep)
	if ttl <= 0 {
		return nil
	}
	// Never replace a newer entry: a run that fetched earlier but saves
	// later (a slow answer, a lock that timed out) would otherwise put back
	// a token that a server revoking on issue has already revoked. WATCH
	// makes the compare and the write one step; a concurrent write wins.
	// Through a failover it is tried again within this run's budget.
	var newer *oauth.Token
	rkey := r.entryKey(e.name)
	err = r.retry(r.budget(e.name), func(ctx context.Context) error {
		newer = nil
		return r.client.Watch(ctx, func(tx *redis.Tx) error {
			cur, err := tx.Get(ctx, rkey).Bytes()
			switch {
			case errors.Is(err, redis.Nil):
			case err != nil:
				return err
			case len(cur) <= maxEntrySize:
				if old, state := unsealEntry(e.name, e.key, cur, time.Time{}); state == entryValid && old.IssuedAt.After(t.IssuedAt) {
					newer = old
					return nil
				}
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, rkey, e.out, ttl)
				return nil
			})
			if err == nil {
				r.awaitReplica(ctx, tx)
			}
			return err
		}, rkey)
	})
	if err != nil && !errors.Is(err, redis.TxFailedErr) {
		r.fail("writing", err)
		return err
	}
	r.seen.saw(e.name, t.IssuedAt)
	if newer != nil {
		r.seen.saw(e.name, newer.IssuedAt)
	}
	return nil
}

// deleteIfScript deletes a key only while it still holds ARGV[1]: an entry
// only while it holds the bytes read (Forget), a lock only while it is
// still the caller's (Lock's unlock).
var deleteIfScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`)

// Forget removes k's entry while it still holds accessToken (any token when
// accessToken is ""), for a token the API refused; an entry another run has
// since replaced is left alone. In this process, that token's entry is never
// accepted again, even if written back.
func (r *Redis) Forget(k oauth.StoreKey, accessToken string) error {
	if r.down.Load() {
		return errors.New("the shared token cache is unavailable for this run")
	}
	name, key, err := derive(k)
	if err != nil {
		return err
	}
	ctx, cancel := r.call()
	defer cancel()
	raw, err := r.client.Get(ctx, r.entryKey(name)).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil
	case err != nil:
		r.fail("forgetting", err)
		return err
	case len(raw) > maxEntrySize:
		return nil
	}
	t, state := unsealEntry(name, key, raw, time.Time{}) // expired or not
	if state != entryValid || accessToken != "" && t.AccessToken != accessToken {
		return nil
	}
	r.seen.forgot(name, t.IssuedAt)
	if err := deleteIfScript.Run(ctx, r.client, []string{r.entryKey(name)}, raw).Err(); err != nil {
		r.fail("forgetting", err)
		return err
	}
	return nil
}

// Lock waits, at most LockWait, until k's lock is had (SET NX PX, freed by
// expiry if its holder dies) or k's entry has appeared.
func (r *Redis) Lock(ctx context.Context, k oauth.StoreKey) (func(), bool) {
	if r.down.Load() {
		return nil, false
	}
	name, _, err := derive(k)
	if err != nil {
		return nil, false
	}
	lockKey, entryKey := r.lockKey(name), r.entryKey(name)
	var b [16]byte
	_, _ = rand.Read(b[:])
	owner := hex.EncodeToString(b[:])
	deadline := time.Now().Add(r.lockWait)
	// Until then this run may also wait out a failover to save its token.
	r.budgets.Store(name, deadline)
	for {
		cctx, cancel := r.call()
		got, err := r.client.SetNX(cctx, lockKey, owner, lockTTL).Result()
		var appeared int64
		if err == nil && !got {
			appeared, err = r.client.Exists(cctx, entryKey).Result()
		}
		cancel()
		wait := lockPoll
		switch {
		case err != nil && r.inFailover(err) && time.Now().Add(failoverPoll).Before(deadline):
			r.sawFailover()
			wait = failoverPoll
		case err != nil:
			r.fail("locking", err)
			return nil, false
		case got:
			return func() {
				uctx, cancel := r.call()
				defer cancel()
				_ = deleteIfScript.Run(uctx, r.client, []string{lockKey}, owner).Err()
			}, true
		case appeared > 0 || time.Now().After(deadline):
			return nil, false
		}
		select {
		case <-ctx.Done():
			return nil, false
		case <-time.After(wait):
		}
	}
}

// fail keeps the first failure for Warning, and stops using the store.
func (r *Redis) fail(doing string, err error) {
	if refused := r.refused.Load(); refused != nil {
		err = refused // what went wrong after, a MOVED or a dial error, follows from it
	} else if r.authFailed.Load() && !redis.IsAuthError(err) {
		err = &errAuthFailed{err}
	}
	r.down.Store(true)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.warning == "" {
		stored := "none is stored there"
		if doing == "writing" {
			stored = "the token this run fetched was not stored there, so other runs request their own"
		}
		r.warning = fmt.Sprintf("The shared token cache at %s could not be used (%s: %s); tokens are requested from the server directly and %s.",
			r.server, doing, describe(err, r.san), stored)
	}
}

// Warning returns the first failure once, for one warning per run; "" when
// there is none, or it was already taken.
func (r *Redis) Warning() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.warned {
		return ""
	}
	if r.warning == "" && r.unconfirmed.Load() && r.failovers.Load() > 0 {
		r.warning = fmt.Sprintf("The shared token cache at %s failed over during this run, and no replica had confirmed the token "+
			"this run stored there; if the failover lost it, other runs request their own.", r.server)
	}
	if r.warning == "" {
		return ""
	}
	r.warned = true
	return r.warning
}
