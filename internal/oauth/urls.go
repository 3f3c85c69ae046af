package oauth

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// The URL policy: which endpoints the provider will send to, and the one
// way a URL is quoted in a message or a log line.

// redactURL quotes a parsed URL: redact.URL, the one way a URL is quoted in
// a message or a log line (no user information, no query values, no
// fragment).
func redactURL(u *url.URL) string { return redact.URL(u.String()) }

// checkURL parses an endpoint and enforces the transport policy: absolute,
// https, or http only to a loopback host unless AllowInsecureHTTP is set.
// What in the URL may be a credential (a password, secret-looking query
// values) is registered with the client's sanitiser first, parsed or not;
// an error quotes the URL only through redact.URL, and never url.Parse's
// own text, which repeats the URL whole.
//
// A URL a discovery document published (published) is the server's, not
// the user's: its query values (Azure AD B2C's ?p=b2c_1_...) are public
// names, and only its policy is checked.
func (c *Client) checkURL(what, raw string) (*url.URL, error) {
	if _, ok := c.published.Load(raw); !ok {
		c.cfg.Redact.RememberURL(raw)
	}
	return c.checkURLPolicy(what, raw)
}

// publish records the endpoints a validated discovery document gave, for
// checkURL.
func (c *Client) publish(md *Metadata) {
	for _, u := range append([]string{md.TokenEndpoint, md.RevocationEndpoint}, slices.Collect(maps.Values(md.MTLSEndpointAliases))...) {
		if u != "" {
			c.published.Store(u, struct{}{})
		}
	}
}

// checkDiscoveryURL is checkURLPolicy for an issuer or a discovery URL: its
// query values are the server's public names (Azure AD B2C's
// ?p=B2C_1_signupsignin, repeated in the document's own endpoints), not
// credentials, and registering them would have Sanitized blank the
// endpoints that repeat them. Only a password in its user information is
// registered (and a user name that looks like a token).
func (c *Client) checkDiscoveryURL(what, raw string) (*url.URL, error) {
	c.cfg.Redact.RememberUserinfo(raw)
	return c.checkURLPolicy(what, raw)
}

// checkURLPolicy is the transport policy alone, registering nothing: for a
// URL a server gave (a discovery document's token_endpoint, a redirect
// target), whose parts are not credentials of this client, and, through
// checkDiscoveryURL, an issuer. Registering them would make the sanitiser
// take the server's own values (a policy name in a query, say) for echoed
// secrets.
func (c *Client) checkURLPolicy(what, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not a valid URL: %s", what, redact.URL(raw), urlProblem(err))
	}
	if !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("%s %q is not an absolute URL", what, redact.URL(raw))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !c.cfg.AllowInsecureHTTP && !IsLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%s %q uses plain http:// to a host that is not loopback (localhost, 127.0.0.0/8 or ::1); "+
				"credentials and tokens would cross the network unencrypted. Use https://, or set "+
				"allow_insecure_http = true in the provider configuration if you accept that risk", what, redactURL(u))
		}
	default:
		return nil, fmt.Errorf("%s %q must use https://", what, redactURL(u))
	}
	return u, nil
}

// CheckURLSyntax is what can be known of an endpoint without the provider's
// configuration or the network: an absolute http:// or https:// URL.
// (Whether plain http is allowed depends on the host and allow_insecure_http,
// and is checked when the request is made.)
func CheckURLSyntax(arg, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return argErr(arg, "The %s %q is not a valid URL: %s.", arg, redact.URL(raw), urlProblem(err))
	}
	if !u.IsAbs() || u.Host == "" {
		return argErr(arg, "The %s %q is not an absolute URL.", arg, redact.URL(raw))
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return argErr(arg, "The %s %q must use https:// (or http:// to a loopback host).", arg, redactURL(u))
	}
	return nil
}

// urlProblem says what is wrong with a URL that does not parse, in words of
// our own: url.Parse's error quotes the URL, or the part of it (a port, an
// escape) that may be a password's.
func urlProblem(err error) string {
	var ee url.EscapeError
	var he url.InvalidHostError
	msg := err.Error()
	switch {
	case errors.As(err, &ee):
		return "a '%' in it does not start a valid escape (write a literal '%' as %25)"
	case errors.As(err, &he):
		return "its host holds a character that is not allowed there"
	case strings.Contains(msg, "invalid port"):
		return "its port is not a number (a password with '/', '?', '#' or '@' in it must be percent-encoded)"
	case strings.Contains(msg, "control character"):
		return "it holds a control character"
	case strings.Contains(msg, "missing protocol scheme"):
		return "it has no scheme (https://)"
	case strings.Contains(msg, "first path segment in URL cannot contain colon"):
		return "it has no scheme (https://), and its first segment holds a ':'"
	case strings.Contains(msg, "missing ']'"), strings.Contains(msg, "IP"):
		return "its IPv6 address is malformed"
	}
	return "it cannot be parsed"
}

// IsLoopback is true for localhost and loopback addresses only. Names under
// .localhost are not: Go resolves them through the network's DNS and sends
// them through HTTP_PROXY, so plain http to them can leave the machine.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
