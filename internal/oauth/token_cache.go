package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// DefaultMinRemaining is how much lifetime a kept token must have left to be
// handed out again.
const DefaultMinRemaining = 5 * time.Minute

// fingerprint identifies a token request by everything but the secret that
// shapes the token or binds it: endpoint, client, method, format, every
// parameter and header, the signing algorithm, and the client certificate
// (RFC 8705 binds a token to it; with private_key_jwt it is the x5t#S256).
func (r *resolvedRequest) fingerprint() []byte {
	cert := sha256.Sum256(r.CertificatePEM)
	exchange := sha256.Sum256([]byte(r.grant().identity(r))) // the subject token itself, the assertion's claims
	b, _ := json.Marshal(struct {
		URL, ID, Method, Format, CT, Aud, Alg, Kid, AssertAud, Cert, Exchange string
		Scopes, Res                                                           []string
		Extra, Headers                                                        map[string]string
	}{r.TokenURL, r.ClientID, string(r.AuthMethod), r.Format, r.ContentType, r.Audience, r.keyAlgorithm(), r.KeyID,
		r.AssertionAudience, hex.EncodeToString(cert[:]), hex.EncodeToString(exchange[:]), r.Scopes, r.Resources, r.ExtraParams, r.Headers})
	sum := sha256.Sum256(b)
	return sum[:]
}

// storeKey is the request's key in a TokenStore; ok is false when the
// request has no secret of the client's own to key an entry with, or when
// who the token is for is decided at request time: a subject token fetched
// from a workload identity is the CI job's own, which neither the
// configuration nor the fingerprint can tell apart from another job's.
func (r *resolvedRequest) storeKey() (StoreKey, bool) {
	secret := r.cacheSecret()
	// A DPoP-bound token is good only with a key that dies with the process.
	if len(secret) == 0 || !r.grant().storable() || r.DPoP != nil {
		return StoreKey{}, false
	}
	return StoreKey{Fingerprint: r.fingerprint(), Secret: secret, Salt: []byte(r.ClientID + "\x00" + r.TokenURL)}, true
}

// shareKey is the in-memory key: the fingerprint and the secret, hashed, so
// that different credentials never share anything.
func (r *resolvedRequest) shareKey() string {
	h := sha256.New()
	h.Write(r.fingerprint())
	h.Write(r.shareSecret())
	return hex.EncodeToString(h.Sum(nil))
}

// fresh reports whether a kept token may be handed out again: it must have
// at least MinRemaining left, or half its lifetime for tokens shorter than
// twice that. A token without a lifetime is kept for this process only.
func (c *Client) fresh(t *Token, persisted bool) bool {
	if t.ExpiresIn == nil {
		return !persisted
	}
	margin := c.cfg.MinRemaining
	if half := time.Duration(*t.ExpiresIn) * time.Second / 2; half < margin {
		margin = half
	}
	return c.cfg.Now().Add(margin).Before(t.ExpiresAt)
}

// sharedToken returns a token for req, asking the server only when no kept
// token is fresh: concurrent identical requests share one exchange, and with
// a TokenStore, so do runs of Terraform.
// res keys the sharing and the store; the request is sent with its secrets
// read again on every attempt.
func (c *Client) sharedToken(ctx context.Context, res *resolvedRequest) (*Token, error) {
	key := res.shareKey()
	tok, hit, err := c.tokens.get(ctx, key, func(t *Token) bool { return c.fresh(t, false) }, func() (*Token, error) {
		store := c.cfg.Store
		sk, keyed := res.storeKey()
		if !keyed {
			store = nil // no secret of the client's own to key the entry with
		}
		if store != nil {
			if t, ok := c.loadStored(ctx, store, sk); ok {
				return t, nil
			}
			// A store shared by several machines: while one run fetches,
			// the others wait for its token rather than ask the server too.
			if l, ok := store.(StoreLocker); ok {
				unlock, held := l.Lock(ctx, sk)
				if held {
					defer unlock()
				}
				if t, ok := c.loadStored(ctx, store, sk); ok {
					return t, nil
				}
			}
		}
		// The exchange serves every caller waiting on it, so one caller's
		// cancellation must not fail the others; the retry budget bounds it.
		t, err := c.requestToken(context.WithoutCancel(ctx), res)
		if err == nil && store != nil && t.ExpiresIn != nil {
			if serr := store.Save(sk, t); serr != nil {
				c.log(ctx, "could not write the persistent token cache", map[string]any{"error": serr.Error()})
			}
		}
		return t, err
	})
	if err != nil {
		return nil, cancelled(err, c.op(tokenFailed, "token request"))
	}
	if hit {
		c.log(ctx, "reusing a token obtained earlier in this run", nil)
	}
	cp := *tok
	return &cp, nil
}

// loadStored returns the store's entry for sk when it is fresh enough.
func (c *Client) loadStored(ctx context.Context, store TokenStore, sk StoreKey) (*Token, bool) {
	t, ok := store.Load(sk, c.cfg.Now())
	if !ok || !c.fresh(t, true) {
		return nil, false
	}
	c.cfg.Redact.Remember(t.AccessToken) // an echo of it in a later error must not show it
	t.sanitizeServerText(c.cfg.Redact)   // an entry written by an older version
	c.log(ctx, "reusing a token from the persistent cache", nil)
	return t, true
}

// StoreKey is what a TokenStore entry is found and sealed by.
type StoreKey struct {
	// Fingerprint hashes everything that shapes the token or binds it: the
	// endpoint, client, method, every parameter, the certificate.
	Fingerprint []byte
	// Secret is the client's own secret or private key.
	Secret []byte
	// Salt is the client's public identity (client_id and token endpoint):
	// it makes each client's derivation its own.
	Salt []byte
}

// TokenStore keeps tokens across provider processes. Load and Save must be
// safe for concurrent use by several processes.
type TokenStore interface {
	// Load returns the entry for k that may still be used at now.
	Load(k StoreKey, now time.Time) (*Token, bool)
	Save(k StoreKey, t *Token) error
}

// StoreLocker is a TokenStore that several machines share: while one run
// fetches a token, the others wait for it instead of asking the server too.
type StoreLocker interface {
	// Lock waits, within the store's own bound, until k's lock is had or
	// an entry for k has appeared. held reports the former; unlock then
	// releases it. A store that cannot tell returns held false at once, and
	// the caller fetches its own token.
	Lock(ctx context.Context, k StoreKey) (unlock func(), held bool)
}

func (c *Client) log(ctx context.Context, msg string, fields map[string]any) {
	if c.cfg.Logger != nil {
		c.cfg.Logger.Debug(ctx, msg, fields)
	}
}
