package oauth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
)

const identityFailed = "Identity Token Request Failed"

// IdentityToken fetches a fresh identity token from src: the one entry for
// client assertions, token exchange subjects and the identity-token
// resource. It checks the source, lets it fetch through the client's own
// transport, refuses what is not shaped like a JWT and registers the token
// with the sanitiser. Tokens are never kept.
func (c *Client) IdentityToken(ctx context.Context, src IdentitySource) (string, error) {
	o := c.op(identityFailed, "identity token from "+src.Name())
	if err := src.Check(); err != nil {
		return "", o.failWith(err)
	}
	h := &platformHTTP{c: c, o: &o}
	tok, err := src.Token(ctx, h)
	if err != nil {
		return "", h.failed(err)
	}
	if strings.Count(tok, ".") != 2 || strings.ContainsAny(tok, " \t\r\n<>") {
		if h.last != nil {
			return "", o.answerFailed(h.last, "the platform's answer is not a JWT", true)
		}
		return "", o.fail("the platform's identity token is not a JWT", nil)
	}
	c.cfg.Redact.Remember(tok)
	return tok, nil
}

// platformHTTP is the PlatformHTTP of one IdentityToken call: each request
// renames the operation after itself, so that its errors say what was
// called.
type platformHTTP struct {
	c    *Client
	o    *op
	last *answer
}

func (h *platformHTTP) Secret(s string) { h.c.cfg.Redact.Remember(s) }

func (h *platformHTTP) Do(ctx context.Context, r PlatformRequest) (*PlatformAnswer, error) {
	c, o := h.c, h.o
	u, err := url.Parse(r.URL)
	if err != nil || u.Host == "" {
		// No cause: url.Error's text, and parts of it, quote the URL's
		// userinfo and query values.
		return nil, o.fail("the platform's token request URL is not an absolute URL", nil)
	}
	hc := c.credentialed
	if r.Metadata {
		// Plain http is right for the metadata server and only for it: it
		// is link-local and speaks nothing else. It is never proxied.
		hc = c.metadataServer
	}
	// Any host other than the metadata server's own names gets the rule
	// every other URL gets.
	if !r.Metadata || !IsMetadataServer(u.Hostname()) {
		if _, err := c.checkURL("the platform's token request URL", r.URL); err != nil {
			return nil, o.failWith(err)
		}
	}
	o.action = r.Method + " " + redactURL(u)
	header := r.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	if header.Get("Accept") == "" {
		header.Set("Accept", "application/json")
	}
	var attempt attemptFunc
	if body := r.Body; body != nil {
		attempt = func() ([]byte, http.Header, error) { return body, nil, nil }
	}
	ans, err := c.send(ctx, hc, r.Method, r.URL, attempt, header, *o)
	if err != nil {
		return nil, err
	}
	h.last = ans
	if ans.status >= 300 && ans.status < 400 {
		return nil, o.answerFailed(ans, "the platform answered with a redirect, which is never followed: the request carries the platform's request token", false)
	}
	return &PlatformAnswer{Status: ans.status, Header: ans.header, Body: ans.body, ans: ans}, nil
}

// failed turns what a source returned into the one *Error.
func (h *platformHTTP) failed(err error) error {
	var oe *Error
	if errors.As(err, &oe) {
		return err
	}
	var r *Refusal
	if errors.As(err, &r) && r.Answer != nil && r.Answer.ans != nil {
		e := h.o.answerFailed(r.Answer.ans, r.Reason, r.Excerpt)
		e.Hint = r.Hint
		return e
	}
	return h.o.failWith(err)
}

// IsMetadataServer is true for the names of the cloud metadata servers:
// Google's, any link-local address (169.254.169.254 that Azure, AWS and
// Google share, AWS's container endpoints 169.254.170.2 and .23), which no
// router forwards, and AWS's IPv6 instance and container endpoints.
func IsMetadataServer(host string) bool {
	if host == "metadata.google.internal" || host == "fd00:ec2::254" || host == "fd00:ec2::23" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLinkLocalUnicast()
}
