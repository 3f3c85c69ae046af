package oauth

import (
	"net/http"
	"net/url"
)

// What the authenticating proxy takes from the protocol package: the same
// URL policy, the same transport and the same freshness rule as every token
// request.

// CheckUpstream applies the transport policy to an API's base URL: https,
// or plain http only to a loopback host or with allow_insecure_http.
func (c *Client) CheckUpstream(arg, raw string) (*url.URL, error) {
	u, err := c.checkURL(arg, raw)
	if err != nil {
		return nil, argErr(arg, "%s.", err.Error())
	}
	return u, nil
}

// UpstreamTransport is a transport for an API behind the proxy with the
// provider's settings (CA bundle, proxy environment, TLS floor). It never
// follows a redirect: a RoundTripper does not.
func (c *Client) UpstreamTransport() http.RoundTripper {
	base, _ := c.anonymous.Transport.(*http.Transport) // NewClient builds it
	return base.Clone()
}

// Usable reports whether a token may still be used: it has more than
// min_remaining left (half its lifetime, for short ones).
func (c *Client) Usable(t *Token) bool { return t != nil && c.fresh(t, false) }
