package oauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
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
}

// operationTracker follows one operation across retries; it travels in the
// request context so the retry hooks can report on it and set each
// attempt's credential headers.
type operationTracker struct {
	mu        sync.Mutex
	n         int
	body      []byte
	oversized bool
	// pending is the attempt built when the request was made, for the first
	// attempt to send; header holds the credential header of the attempt
	// about to be sent, for the request hook to set.
	made    bool
	pending *builtAttempt
	header  http.Header
	// length is the body length of the attempt about to be sent: secrets
	// re-read and identity tokens fetched anew need not be as long as the
	// first attempt's, whose length the request was made with.
	length int64
}

type builtAttempt struct {
	body   []byte
	header http.Header
}

type trackerKey struct{}

func trackerFrom(ctx context.Context) *operationTracker {
	t, _ := ctx.Value(trackerKey{}).(*operationTracker)
	return t
}

// send performs req with retries under the retry budget and returns the final
// answer, or an *Error of operation o naming what failed.
func (c *Client) send(ctx context.Context, hc *retryablehttp.Client, method, target string, attempt attemptFunc, header http.Header, o op) (*answer, error) {
	track := &operationTracker{}
	ctx = context.WithValue(ctx, trackerKey{}, track)
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RetryBudget)
	defer cancel()

	var raw any
	if attempt != nil {
		// The retry library calls this once when the request is made (to
		// learn the length), then once per attempt. What the first call
		// builds is what the first attempt sends; each later attempt builds
		// anew, reading secrets and fetching an identity token again.
		raw = retryablehttp.ReaderFunc(func() (io.Reader, error) {
			track.mu.Lock()
			defer track.mu.Unlock()
			if p := track.pending; p != nil {
				track.pending, track.header, track.length = nil, p.header, int64(len(p.body))
				return bytes.NewReader(p.body), nil
			}
			body, h, err := attempt()
			if err != nil {
				return nil, bodyError{err}
			}
			if !track.made {
				track.made, track.pending = true, &builtAttempt{body, h}
			} else {
				track.header, track.length = h, int64(len(body))
			}
			return bytes.NewReader(body), nil
		})
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, target, raw)
	if err != nil {
		return nil, o.fail("the request could not be built: "+err.Error(), err)
	}
	req.Header = header.Clone()
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	// Read the body inside the retry loop, so that a connection dropped
	// mid-body counts as a transient failure and is retried.
	req.SetResponseHandler(func(resp *http.Response) error {
		b, over, err := c.readCapped(resp.Body)
		if err != nil {
			return err
		}
		track.mu.Lock()
		track.body, track.oversized = b, over
		track.mu.Unlock()
		return nil
	})

	resp, err := hc.Do(req)
	track.mu.Lock()
	n, b, over := track.n, track.body, track.oversized
	track.mu.Unlock()
	if err != nil {
		if resp != nil {
			_ = resp.Body.Close()
		}
		return nil, o.fail(c.describeFailure(ctx, err, n), err)
	}
	defer func() { _ = resp.Body.Close() }()
	if b == nil { // retries ran out on a 5xx/429: the handler never ran
		b, over, err = c.readCapped(resp.Body)
		if err != nil {
			e := o.fail("reading the response failed: "+err.Error(), err)
			e.Status = resp.StatusCode
			return nil, e
		}
	}
	if over {
		e := o.fail(fmt.Sprintf("the response is larger than the %s limit", byteSize(maxResponseSize)), nil)
		e.Status = resp.StatusCode
		return nil, e
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: b, url: resp.Request.URL.String(), attempts: n}, nil
}

// bodyError is a failure to build a request body (an unreadable assertion
// file, say), told apart from a network failure.
type bodyError struct{ err error }

func (b bodyError) Error() string { return b.err.Error() }
func (b bodyError) Unwrap() error { return b.err }

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

// checkRetry is retryablehttp's default policy (connection errors, 429, 5xx
// but 501), except that it stops at once when the server's Retry-After lies
// beyond what is left of the retry budget: waiting could not succeed.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	var re *redirectError
	if errors.As(err, &re) {
		return false, nil // a refused redirect is refused again
	}
	retry, cerr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	if retry && resp != nil {
		if wait, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			if deadline, has := ctx.Deadline(); has && time.Until(deadline) < wait {
				return false, nil
			}
		}
	}
	return retry, cerr
}

func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t), true
	}
	return 0, false
}

// beforeAttempt runs before each attempt is sent: it counts it, sets its
// credential headers and body length, and logs it.
func (c *Client) beforeAttempt(_ retryablehttp.Logger, req *http.Request, retry int) {
	if t := trackerFrom(req.Context()); t != nil {
		t.mu.Lock()
		t.n++
		for k, v := range t.header {
			req.Header[k] = v // this attempt's credentials
		}
		if t.made {
			req.ContentLength = t.length
		}
		t.header = nil
		t.mu.Unlock()
	}
	if c.cfg.Logger != nil {
		c.cfg.Logger.Debug(req.Context(), "sending HTTP request", map[string]any{
			"method": req.Method, "url": redactURL(req.URL), "attempt": retry + 1,
		})
	}
}

func (c *Client) logAnswer(_ retryablehttp.Logger, resp *http.Response) {
	if c.cfg.Logger != nil && resp.Request != nil {
		c.cfg.Logger.Debug(resp.Request.Context(), "received HTTP response", map[string]any{
			"method": resp.Request.Method, "url": redactURL(resp.Request.URL), "status": resp.StatusCode,
		})
	}
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

// proxyFromEnvironment is the proxy policy before the loopback rule; a
// variable so that tests can stand in a proxy without the environment,
// which net/http reads once per process.
var proxyFromEnvironment = http.ProxyFromEnvironment

// proxyFor sends a request through the environment's proxy, unless it goes
// to a loopback host: that request stays on the machine.
func proxyFor(req *http.Request) (*url.URL, error) {
	if isLoopback(req.URL.Hostname()) {
		return nil, nil
	}
	return proxyFromEnvironment(req)
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
	if _, err := c.checkURL("redirect target", req.URL.String()); err != nil {
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
