package oauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// maxResponseSize caps a response body; larger answers are an error. No
// token, discovery document or error page needs more.
const maxResponseSize = 1 << 20

// answer is a complete HTTP response, its body read under the size cap.
type answer struct {
	status int
	header http.Header
	body   []byte
	// url is where the answer came from, after any redirects followed.
	url string
	// attempts is how many requests it took, retries included.
	attempts int
	// oversized: the body was larger than maxResponseSize, and dropped.
	oversized bool
}

// send performs one operation: attempts under the retry policy (connection
// errors, a body cut short, 429 and 5xx but 501; never a 4xx) with backoff
// and Retry-After, within MaxRetries and the retry budget. Each attempt is
// built anew by attempt (nil: no body), so that it reads the secrets as they
// are then and carries a fresh assertion or identity token. It returns the
// last answer, or an *Error of operation o naming what failed. This loop
// decides the retries of every request this package sends; a key service's
// calls (internal/signer) retry under that package's own policy.
func (c *Client) send(ctx context.Context, hc *http.Client, method, target string, attempt attemptFunc, header http.Header, o op) (*answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RetryBudget)
	defer cancel()
	for n := 1; ; n++ {
		req, err := http.NewRequestWithContext(ctx, method, target, nil)
		if err != nil { // the URL was checked before: no URL is quoted here
			// nor kept as the cause: url.Error's text, and parts of it, quote
			// the URL's userinfo and query values.
			return nil, o.fail("the request could not be built: "+urlProblem(err), nil)
		}
		req.Header = header.Clone()
		req.Header.Set("User-Agent", c.cfg.UserAgent)
		if attempt != nil {
			body, h, err := attempt()
			if err != nil {
				return nil, o.fail("the request could not be built: "+err.Error(), err)
			}
			for k, v := range h {
				req.Header[k] = v // this attempt's credentials
			}
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		}
		c.log(ctx, "sending HTTP request", map[string]any{"method": method, "url": redactURL(req.URL), "attempt": n})
		ans, err := c.attempt(hc, req, n)
		if ans != nil && ans.oversized {
			e := o.fail(fmt.Sprintf("the response is larger than the %s limit", byteSize(maxResponseSize)), nil)
			e.Status = ans.status
			return nil, e
		}
		wait, again := c.retryAfter(ctx, ans, err, n)
		if !again {
			if err != nil {
				return nil, o.fail(c.describeFailure(ctx, err, n), err)
			}
			return ans, nil
		}
		select {
		case <-ctx.Done(): // the budget ran out while waiting
			return nil, o.fail(c.describeFailure(ctx, ctx.Err(), n), ctx.Err())
		case <-time.After(wait):
		}
	}
}

// attempt sends one request and reads its answer under the size cap; a body
// cut short is an error, as a dropped connection is.
func (c *Client) attempt(hc *http.Client, req *http.Request, n int) (*answer, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	c.log(req.Context(), "received HTTP response", map[string]any{"method": req.Method, "url": redactURL(req.URL), "status": resp.StatusCode})
	b, over, err := c.readCapped(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the response failed: %w", err)
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: b, url: resp.Request.URL.String(), attempts: n, oversized: over}, nil
}

// retryAfter decides whether another attempt follows, and after how long:
// retryablehttp's default policy and backoff (which honours Retry-After on
// 429 and 503), within MaxRetries; not at all when the server's Retry-After
// ends after the retry budget: waiting could not succeed.
func (c *Client) retryAfter(ctx context.Context, ans *answer, err error, n int) (time.Duration, bool) {
	var re *redirectError
	if errors.As(err, &re) || n > c.cfg.MaxRetries || ctx.Err() != nil {
		return 0, false // a refused redirect is refused again
	}
	var resp *http.Response
	if ans != nil {
		resp = &http.Response{StatusCode: ans.status, Header: ans.header}
	}
	if retry, _ := retryablehttp.DefaultRetryPolicy(ctx, resp, err); !retry {
		return 0, false
	}
	wait := retryablehttp.DefaultBackoff(c.cfg.RetryWaitMin, c.cfg.RetryWaitMax, n-1, resp)
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait && resp != nil && resp.Header.Get("Retry-After") != "" {
		return 0, false // the server's own wait ends past the budget: its answer stands
	}
	return wait, true
}

// readCapped reads at most maxResponseSize bytes and reports whether the body
// was longer than that.
func (c *Client) readCapped(r io.Reader) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxResponseSize+1))
	if err != nil {
		return nil, false, err
	}
	if len(b) > maxResponseSize {
		return nil, true, nil
	}
	if b == nil {
		b = []byte{}
	}
	return b, false, nil
}

func byteSize(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// proxyFromEnvironment is the proxy policy before ProxyUnlessLocal's
// rule; a variable so that tests can stand in a proxy without the
// environment, which net/http reads once per process.
var proxyFromEnvironment = http.ProxyFromEnvironment

func proxyFor(req *http.Request) (*url.URL, error) {
	return ProxyUnlessLocal(proxyFromEnvironment)(req)
}

// ProxyUnlessLocal is the proxy policy of every request the provider
// sends: from's proxy (the environment's), except for a loopback host,
// whose request stays on the machine, and a cloud metadata server, which
// no router forwards and which answers only requests that crossed no proxy.
func ProxyUnlessLocal(from func(*http.Request) (*url.URL, error)) func(*http.Request) (*url.URL, error) {
	return func(req *http.Request) (*url.URL, error) {
		if h := req.URL.Hostname(); IsLoopback(h) || IsMetadataServer(h) {
			return nil, nil
		}
		return from(req)
	}
}

// redirectError is a discovery redirect refused for leaving its origin, or
// for going where a configured URL could not.
type redirectError struct{ from, to, reason string }

func (r *redirectError) Error() string {
	return fmt.Sprintf("the server redirected %s to %s, %s; discovery follows redirects only within one origin "+
		"(scheme, host and port), since the document it finds decides where credentials are sent. "+
		"If %s is the right document, set discovery_url to it", r.from, r.to, r.reason, r.to)
}

// sameOriginRedirects is the redirect policy of discovery: at most five
// hops, each to the same origin as the first request, each passing the
// rules of a configured URL.
func (c *Client) sameOriginRedirects(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	from, to := redactURL(first), redactURL(req.URL)
	if len(via) >= 5 {
		return &redirectError{from, to, "the fifth redirect in a row"}
	}
	if !strings.EqualFold(req.URL.Scheme, first.Scheme) || !strings.EqualFold(req.URL.Hostname(), first.Hostname()) || port(req.URL) != port(first) {
		return &redirectError{from, to, "another origin"}
	}
	if _, err := c.checkURLPolicy("redirect target", req.URL.String()); err != nil { // the server's URL, not the user's
		return &redirectError{from, to, "a URL the provider would not fetch: " + err.Error()}
	}
	return nil
}

// port is a URL's port, the scheme's default when none is written.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "http") {
		return "80"
	}
	return "443"
}
