package oauth

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// The URL policy: which endpoints the provider will send to, and the one
// way a URL is quoted in a message or a log line.

// redactURL drops user info and query values, which may carry credentials.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = "[query redacted]"
	}
	c.Fragment = ""
	return c.String()
}

// checkURL parses an endpoint and enforces the transport policy: absolute,
// https, or http only to a loopback host unless AllowInsecureHTTP is set.
func (c *Client) checkURL(what, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not a valid URL: %v", what, raw, err)
	}
	if !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("%s %q is not an absolute URL", what, raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !c.cfg.AllowInsecureHTTP && !isLoopback(u.Hostname()) {
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
	if err != nil || !u.IsAbs() || u.Host == "" {
		return argErr(arg, "The %s %q is not an absolute URL.", arg, raw)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return argErr(arg, "The %s %q must use https:// (or http:// to a loopback host).", arg, redactURL(u))
	}
	return nil
}

// isLoopback is true for localhost and loopback addresses only. Names under
// .localhost are not: Go resolves them through the network's DNS and sends
// them through HTTP_PROXY, so plain http to them can leave the machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
