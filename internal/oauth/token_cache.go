package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"
)

// DefaultMinRemaining is how much lifetime a kept token must have left to be
// handed out again.
const DefaultMinRemaining = 5 * time.Minute

// fingerprint identifies a token request by everything but the secret: the
// same endpoint, client, method, format and parameters.
func (r *TokenRequest) fingerprint() []byte {
	b, _ := json.Marshal(struct {
		URL, ID, Method, Format, CT, Aud, Alg, Kid, AssertAud string
		Scopes, Res                                           []string
		Extra, Headers                                        map[string]string
	}{r.TokenURL, r.ClientID, string(r.AuthMethod), r.Format, r.ContentType, r.Audience, r.SigningAlgorithm, r.KeyID,
		r.AssertionAudience, r.Scopes, r.Resources, r.ExtraParams, r.Headers})
	sum := sha256.Sum256(b)
	return sum[:]
}

// shareKey is the in-memory key: the fingerprint and the secret, hashed, so
// that different credentials never share anything.
func (r *TokenRequest) shareKey() string {
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
func (c *Client) sharedToken(ctx context.Context, req TokenRequest) (*Token, error) {
	key := req.shareKey()
	tok, hit, err := c.tokens.get(ctx, key, func(t *Token) bool { return c.fresh(t, false) }, func() (*Token, error) {
		store := c.cfg.Store
		if req.cacheSecret() == nil {
			store = nil // no secret of the client's own to key the entry with
		}
		if store != nil {
			if t, ok := store.Load(req.fingerprint(), req.cacheSecret()); ok && c.fresh(t, true) {
				c.log(ctx, "reusing a token from the persistent cache", nil)
				return t, nil
			}
		}
		// The exchange serves every caller waiting on it, so one caller's
		// cancellation must not fail the others; the retry budget bounds it.
		t, err := c.requestToken(context.WithoutCancel(ctx), req)
		if err == nil && store != nil && t.ExpiresIn != nil {
			if serr := store.Save(req.fingerprint(), req.cacheSecret(), t); serr != nil {
				c.log(ctx, "could not write the persistent token cache", map[string]any{"error": serr.Error()})
			}
		}
		return t, err
	})
	if err != nil {
		return nil, cancelled(err, "Token Request Failed", "token request")
	}
	if hit {
		c.log(ctx, "reusing a token obtained earlier in this run", nil)
	}
	cp := *tok
	return &cp, nil
}

// TokenStore keeps tokens across provider processes. Load and Save must be
// safe for concurrent use by several processes.
type TokenStore interface {
	Load(fingerprint, secret []byte) (*Token, bool)
	Save(fingerprint, secret []byte, t *Token) error
}

func (c *Client) log(ctx context.Context, msg string, fields map[string]any) {
	if c.cfg.Logger != nil {
		c.cfg.Logger.Debug(ctx, msg, fields)
	}
}

// cancelled turns a caller's ended context into an *Error; other errors
// pass through.
func cancelled(err error, summary, action string) error {
	var oe *Error
	if errors.As(err, &oe) {
		return err // the exchange's own failure, timeouts included
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Summary: summary, Action: action, Reason: "the request was cancelled before an answer arrived", Err: err}
	}
	return err
}
