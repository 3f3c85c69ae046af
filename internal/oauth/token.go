package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// Token is a successful token response.
type Token struct {
	AccessToken string
	TokenType   string
	// ExpiresIn is the lifetime in seconds the server gave; nil when it gave
	// none (RFC 6749 §5.1 makes it optional).
	ExpiresIn *int64
	// ExpiresAt is IssuedAt + ExpiresIn; zero when ExpiresIn is nil.
	ExpiresAt time.Time
	// IssuedAt is when the request was sent, by the client's clock: a
	// conservative origin for the lifetime.
	IssuedAt time.Time
	Scope    string
	// IssuedTokenType is RFC 8693's issued_token_type, for an exchange.
	IssuedTokenType string
	// InstanceURL is Salesforce's instance_url: where the org's API is.
	InstanceURL string
}

const tokenFailed = "Token Request Failed"

// Caps of the server-given strings a Token keeps: a token type is a word or
// a URN; a scope list can be long.
const (
	maxTypeLen  = 200
	maxScopeLen = 4000
)

// Token returns an access token obtained with the client-credentials grant.
// Identical requests share one exchange and reuse its token while it is
// fresh, unless the request sets NoShare. Secrets in files and environment
// variables are read now, to validate the request and tell credentials
// apart, and again for every attempt that sends them.
func (c *Client) Token(ctx context.Context, req TokenRequest) (*Token, error) {
	o := c.op(tokenFailed, "token request")
	if err := req.grant().prepare(&req, c); err != nil {
		return nil, o.failWith(err)
	}
	req.SetDefaults(nil)
	if err := req.validate(); err != nil {
		return nil, o.failWith(err)
	}
	res, err := req.resolve(c.cfg.Redact)
	if err != nil {
		return nil, o.failWith(err)
	}
	if res.endpoint, err = c.checkURL("token_url", req.TokenURL); err != nil {
		return nil, o.failWith(err)
	}
	if err := res.checkValues(); err != nil {
		return nil, o.failWith(err)
	}
	if req.NoShare {
		return c.requestToken(ctx, res)
	}
	return c.sharedToken(ctx, res)
}

// couldBeCredential is true for a header or extra_params value of at least
// 16 characters with both letters and digits: API keys and tenant IDs, not
// the words, URLs and URNs ("access_token", "https://api.example") that an
// error may name.
func couldBeCredential(v string) bool {
	return len(v) >= 16 && strings.ContainsAny(v, "0123456789") &&
		strings.ContainsFunc(v, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' })
}

// requestToken performs one token exchange for a validated request, its
// secrets read again for every attempt; res's key serves the mTLS
// connection.
func (c *Client) requestToken(ctx context.Context, res *resolvedRequest) (*Token, error) {
	req, u := res.TokenRequest, res.endpoint
	o := c.op(req.grant().summary(), fmt.Sprintf("POST %s (auth_method %s)", redactURL(u), req.AuthMethod))
	if what := req.grant().action(); what != "" {
		o.action = fmt.Sprintf("POST %s (%s, auth_method %s)", redactURL(u), what, req.AuthMethod)
	}
	attempt, header := req.encode(ctx, c)
	hc, err := c.postClient(res)
	if err != nil {
		return nil, o.failWith(err)
	}
	issued := c.cfg.Now()
	ans, err := c.send(ctx, hc, http.MethodPost, u.String(), attempt, header, o)
	if err != nil {
		return nil, err
	}
	// RFC 9449 §8: a server that wants a nonce in the proof says so once.
	if nonce := dpopNonceWanted(ans); nonce != "" && req.DPoP != nil {
		req.DPoP.SetNonce(u.String(), nonce)
		attempt, header = req.encode(ctx, c)
		if ans, err = c.send(ctx, hc, http.MethodPost, u.String(), attempt, header, o); err != nil {
			return nil, err
		}
	}
	tok, err := parseTokenAnswer(ans, o, req.AuthMethod)
	if err != nil {
		return nil, err
	}
	tok.IssuedAt = issued
	if tok.ExpiresIn != nil {
		tok.ExpiresAt = issued.Add(time.Duration(*tok.ExpiresIn) * time.Second)
	}
	return tok, nil
}

// parseTokenAnswer turns an answer into a Token or an *Error, dealing with
// each way servers deviate from RFC 6749 §5.1 and §5.2. An issued token is
// handed to the sanitiser first, so that no later message can show it.
func parseTokenAnswer(ans *answer, o op, method AuthMethod) (*Token, error) {
	fields, perr := decodeFields(ans)
	if perr == nil {
		if at, ok := fields["access_token"].(string); ok {
			o.san.Remember(at)
		}
	}
	fail := func(reason string) *Error { return o.answerFailed(ans, reason, false) }

	if ans.status >= 300 && ans.status < 400 {
		e := fail("the server answered with a redirect")
		if loc := ans.header.Get("Location"); loc != "" {
			e.Reason += " to " + redact.URL(loc)
		}
		e.Hint = "A token request carries the client's credentials, so redirects are never followed. Set token_url to the final token endpoint."
		return nil, e
	}
	if perr == nil {
		if code, ok := fields["error"].(string); ok && code != "" {
			reason := "the server refused the request"
			if ans.status == http.StatusOK {
				reason = "the server answered 200 OK but with an OAuth error"
			}
			e := fail(reason)
			e.Code = code
			e.Description, _ = fields["error_description"].(string)
			e.URI, _ = fields["error_uri"].(string)
			e.Hint = hintFor(code, method)
			return nil, e
		}
	}
	if ans.status != http.StatusOK {
		e := o.answerFailed(ans, "the server did not issue a token", true)
		if ans.status == http.StatusTooManyRequests {
			e.Hint = "The server is rate limiting this client. Reuse tokens (one data source per credential set) or wait before retrying."
		}
		return nil, e
	}
	if perr != nil {
		return nil, o.answerFailed(ans, perr.Error(), true)
	}

	tok := &Token{}
	switch at := fields["access_token"].(type) {
	case string:
		if at == "" {
			return nil, fail("the response's access_token is empty")
		}
		tok.AccessToken = at
	case nil:
		return nil, fail("the response has no access_token")
	default:
		return nil, fail(fmt.Sprintf("the response's access_token is a JSON %s, not a string", jsonType(at)))
	}
	tok.TokenType, _ = fields["token_type"].(string)
	tok.Scope, _ = fields["scope"].(string)
	tok.IssuedTokenType, _ = fields["issued_token_type"].(string)
	tok.InstanceURL, _ = fields["instance_url"].(string)
	tok.sanitizeServerText(o.san)
	if v, ok := fields["expires_in"]; ok && v != nil {
		n, err := expiresIn(v)
		if err != nil {
			return nil, fail(err.Error())
		}
		tok.ExpiresIn = &n
	}
	return tok, nil
}

// dpopNonceWanted is the nonce of a use_dpop_nonce answer, or "".
func dpopNonceWanted(ans *answer) string {
	nonce := ans.header.Get("DPoP-Nonce")
	if nonce == "" || (ans.status != http.StatusBadRequest && ans.status != http.StatusUnauthorized) {
		return ""
	}
	if f, err := decodeFields(ans); err != nil || f["error"] != "use_dpop_nonce" {
		return ""
	}
	return nonce
}

// sanitizeServerText passes the server-given strings a Token keeps through
// the sanitiser: they reach state and the screen, and a server that puts a
// credential in them must not get it there.
func (t *Token) sanitizeServerText(san *redact.Registry) {
	t.TokenType = san.Sanitize(t.TokenType, maxTypeLen)
	t.Scope = san.Sanitize(t.Scope, maxScopeLen)
	t.IssuedTokenType = san.Sanitize(t.IssuedTokenType, maxTypeLen)
	t.InstanceURL = san.Sanitize(t.InstanceURL, maxTypeLen)
}

// decodeFields reads a JSON object, or a form-encoded body (as some older
// servers send), into a map. Numbers stay json.Number.
func decodeFields(ans *answer) (map[string]any, error) {
	body := bytes.TrimSpace(ans.body)
	mt, _, _ := mime.ParseMediaType(ans.header.Get("Content-Type"))
	if len(body) == 0 {
		return nil, errors.New("the response body is empty")
	}
	if mt == "application/x-www-form-urlencoded" || (body[0] != '{' && body[0] != '[' && mt == "text/plain" && bytes.Contains(body, []byte("access_token="))) {
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("the form-encoded response is malformed: %v", err)
		}
		m := map[string]any{}
		for k := range v {
			m[k] = v.Get(k)
		}
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if strings.HasPrefix(mt, "text/html") || body[0] == '<' {
			return nil, errors.New("the response is an HTML page, not a JSON token response")
		}
		return nil, fmt.Errorf("the response is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("the response has data after its JSON value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the response is a JSON %s, not an object", jsonType(v))
	}
	return m, nil
}

// maxExpiresIn keeps expires_at representable (about 292 years).
const maxExpiresIn = math.MaxInt64 / int64(time.Second)

// expiresIn accepts a JSON number or a numeric string, as servers send both.
func expiresIn(v any) (int64, error) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, fmt.Errorf("the response's expires_in is a JSON %s, not a number", jsonType(v))
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("the response's expires_in is negative (%d)", n)
		}
		if n > maxExpiresIn {
			return 0, fmt.Errorf("the response's expires_in %d is too large", n)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("the response's expires_in %q is not a number of seconds", cut(s, 40))
	}
	if f < 0 {
		return 0, fmt.Errorf("the response's expires_in is negative (%s)", cut(s, 40))
	}
	// A fractional lifetime is rounded down: a token is never thought to
	// live longer than the server said.
	if f > float64(maxExpiresIn) {
		return 0, fmt.Errorf("the response's expires_in %s is too large", cut(s, 40))
	}
	return int64(f), nil
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// cut shortens a server's value quoted in a reason; the whole reason is
// sanitised when the error is shown.
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
