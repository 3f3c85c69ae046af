package oauth

import "context"

// StoreForgetter is a TokenStore that can drop an entry: the token an API
// refused, so that no run reads it again.
type StoreForgetter interface {
	// Forget deletes k's entry while it still holds accessToken.
	Forget(k StoreKey, accessToken string) error
}

// Reject records that an API refused accessToken, obtained with req, as
// invalid (RFC 6750 invalid_token: revoked, say, by a server that revokes
// older tokens on issue): it is dropped from this run's sharing and from
// the persistent store, so that the next Token asks the server again. A
// request whose tokens are neither shared nor stored has nothing to drop.
func (c *Client) Reject(ctx context.Context, req TokenRequest, accessToken string) {
	if req.NoShare || accessToken == "" {
		return
	}
	if err := req.grant().prepare(&req, c); err != nil {
		return
	}
	req.SetDefaults(nil)
	res, err := req.resolve(c.cfg.Redact)
	if err != nil {
		return
	}
	c.tokens.drop(res.shareKey(), func(t *Token) bool { return t.AccessToken == accessToken })
	f, ok := c.cfg.Store.(StoreForgetter)
	sk, keyed := res.storeKey()
	if !ok || !keyed {
		return
	}
	if err := f.Forget(sk, accessToken); err != nil {
		c.log(ctx, "could not drop a refused token from the persistent token cache", map[string]any{"error": c.cfg.Redact.Sanitize(err.Error(), 200)})
	}
}
