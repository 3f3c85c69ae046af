package oauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// answer is a complete HTTP response, its body read under the size cap.
type answer struct {
	status int
	header http.Header
	body   []byte
	// attempts is how many requests it took, retries included.
	attempts int
}

// attempts follows one operation across retries; it travels in the request
// context so the retry hooks can report on it.
type attempts struct {
	mu        sync.Mutex
	n         int
	body      []byte
	oversized bool
}

type attemptsKey struct{}

func trackerFrom(ctx context.Context) *attempts {
	t, _ := ctx.Value(attemptsKey{}).(*attempts)
	return t
}

// send performs req with retries under the retry budget and returns the final
// answer, or an *Error naming what failed. e carries Summary and Action.
func (c *Client) send(ctx context.Context, hc *retryablehttp.Client, method, target string, body bodyFunc, header http.Header, e Error) (*answer, *Error) {
	track := &attempts{}
	ctx = context.WithValue(ctx, attemptsKey{}, track)
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RetryBudget)
	defer cancel()

	var raw any
	if body != nil {
		raw = retryablehttp.ReaderFunc(func() (io.Reader, error) {
			b, err := body()
			if err != nil {
				return nil, bodyError{err}
			}
			return bytes.NewReader(b), nil
		})
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, target, raw)
	if err != nil {
		e.Reason, e.Err = "the request could not be built: "+err.Error(), err
		return nil, &e
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
			resp.Body.Close()
		}
		e.Reason, e.Err = c.describeFailure(ctx, err, n), err
		return nil, &e
	}
	defer resp.Body.Close()
	if b == nil { // retries ran out on a 5xx/429: the handler never ran
		b, over, err = c.readCapped(resp.Body)
		if err != nil {
			e.Status = resp.StatusCode
			e.Reason, e.Err = "reading the response failed: "+err.Error(), err
			return nil, &e
		}
	}
	if over {
		e.Status = resp.StatusCode
		e.Reason = fmt.Sprintf("the response is larger than the %s limit", byteSize(c.cfg.MaxResponseSize))
		return nil, &e
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: b, attempts: n}, nil
}

// bodyError is a failure to build a request body (an unreadable assertion
// file, say), told apart from a network failure.
type bodyError struct{ err error }

func (b bodyError) Error() string { return b.err.Error() }
func (b bodyError) Unwrap() error { return b.err }

// readCapped reads at most MaxResponseSize bytes and reports whether the body
// was longer than that.
func (c *Client) readCapped(r io.Reader) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, c.cfg.MaxResponseSize+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(b)) > c.cfg.MaxResponseSize {
		return nil, true, nil
	}
	if b == nil {
		b = []byte{}
	}
	return b, false, nil
}

// describeFailure explains a request that got no usable answer.
func (c *Client) describeFailure(ctx context.Context, err error, n int) string {
	tries := ""
	if n > 1 {
		tries = fmt.Sprintf(" (gave up after %d attempts)", n)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("no answer within the retry budget of %s%s", c.cfg.RetryBudget, tries)
	}
	if errors.Is(err, context.Canceled) {
		return "the request was cancelled"
	}
	var be bodyError
	if errors.As(err, &be) {
		return "the request could not be built: " + be.err.Error()
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return fmt.Sprintf("no complete answer within the request timeout of %s%s", c.cfg.RequestTimeout, tries)
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	msg := err.Error()
	if strings.Contains(msg, "x509:") || strings.Contains(msg, "tls:") {
		return "the server's TLS certificate was not accepted: " + msg
	}
	return "the connection failed: " + msg + tries
}

// checkRetry is retryablehttp's default policy (connection errors, 429, 5xx
// but 501), except that it stops at once when the server's Retry-After lies
// beyond what is left of the retry budget: waiting could not succeed.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
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

func (c *Client) logAttempt(_ retryablehttp.Logger, req *http.Request, retry int) {
	if t := trackerFrom(req.Context()); t != nil {
		t.mu.Lock()
		t.n++
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

func byteSize(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
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
			return nil, fmt.Errorf("%s %q uses plain http:// to a host that is not loopback; "+
				"credentials and tokens would cross the network unencrypted. Use https://, or set "+
				"allow_insecure_http = true in the provider configuration if you accept that risk", what, redactURL(u))
		}
	default:
		return nil, fmt.Errorf("%s %q must use https://", what, redactURL(u))
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
