package signer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The REST services (Vault Transit, Cloud KMS, Key Vault) are called
// through one function: JSON in and out, bounded retries of connection
// errors, 429 and 5xx (honouring Retry-After's seconds, up to 10 s), a
// capped answer, and the service's own error shape turned into a
// serviceError.

const maxAnswer = 1 << 20

// call is one REST call: method, URL, headers (credentials among them),
// a JSON body, a form (a token request) or neither, and where its JSON
// answer goes. errShape reads the service's error body.
type call struct {
	method, url string
	header      http.Header
	body        any
	form        url.Values
	errShape    func(status int, body []byte) *serviceError
}

func (e Env) do(ctx context.Context, c call, out any) error {
	var payload []byte
	if c.form != nil {
		payload = []byte(c.form.Encode())
	}
	if c.body != nil {
		var err error
		if payload, err = json.Marshal(c.body); err != nil {
			return err
		}
	}
	wait := e.Wait
	var last error
	for n := 1; n <= e.Attempts; n++ {
		retry, after, err := e.once(ctx, c, payload, out)
		if err == nil {
			return nil
		}
		last = err
		if !retry || n == e.Attempts {
			break
		}
		if after > 0 {
			wait = min(after, 10*time.Second)
		}
		select {
		case <-ctx.Done():
			return last
		case <-time.After(wait):
		}
		wait *= 2
	}
	return last
}

func (e Env) once(ctx context.Context, c call, payload []byte, out any) (retry bool, after time.Duration, err error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, c.url, body)
	if err != nil {
		return false, 0, err
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	switch {
	case c.form != nil:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case payload != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false, 0, fmt.Errorf("no answer from %s: %v", hostOf(c.url), ctx.Err())
		}
		// The URL error quotes the URL; ours carries no secret but is
		// said once, plainly.
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) && ue.Unwrap() != nil {
			err = ue.Unwrap()
		}
		return true, 0, fmt.Errorf("the service at %s is unreachable: %v", hostOf(c.url), err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return true, 0, fmt.Errorf("reading the answer of %s failed: %v", hostOf(c.url), err)
	}
	if resp.StatusCode/100 != 2 {
		se := c.errShape(resp.StatusCode, b)
		if se == nil {
			se = &serviceError{}
		}
		se.Status = resp.StatusCode
		if se.Code == "" && se.Message == "" {
			se.Message = http.StatusText(resp.StatusCode)
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			after = time.Duration(s) * time.Second
		}
		return se.retryable(), after, se
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return false, 0, fmt.Errorf("the answer of %s is not the JSON expected: %v", hostOf(c.url), err)
		}
	}
	return false, 0, nil
}

// hostOf is the host a URL names: messages name the service's host, not
// the path (the key's URI says which key) or the query.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "the service"
}
