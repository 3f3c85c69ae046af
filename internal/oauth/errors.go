package oauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// Error is a failed discovery, token exchange or revocation, carrying
// everything a user needs to act on it and nothing secret. Summary is short
// and title-cased; Error() is the full detail. Every field may hold text a
// server chose (a description, a quoted value, a Location), so Error()
// passes each through Sanitize: that is the only way an *Error is shown.
type Error struct {
	Summary string // e.g. "Token Request Failed"
	Action  string // what was attempted, e.g. "POST https://idp/token"

	Status      int    // HTTP status, 0 when no answer was received
	Code        string // OAuth "error"
	Description string // OAuth "error_description"
	URI         string // OAuth "error_uri"
	Excerpt     string // short excerpt of a non-OAuth body

	Reason string // what went wrong, as a sentence fragment
	Hint   string // what to try next, when one helps
	Err    error  // underlying cause, for errors.Is/As

	// san is the registry of the client that made the error: Error()
	// redacts every credential that client knows.
	san *redact.Registry
}

// Lengths at which each part of an error is cut.
const (
	maxActionLen = 300
	maxReasonLen = 600
	maxCodeLen   = 80
	maxHintLen   = 1200
)

func (e *Error) Error() string {
	var b strings.Builder
	// A reason may be a whole sentence already (an argument error's).
	fmt.Fprintf(&b, "%s: %s.", e.san.Sanitize(e.Action, maxActionLen), strings.TrimSuffix(e.san.Sanitize(e.Reason, maxReasonLen), "."))
	if e.Status != 0 {
		fmt.Fprintf(&b, "\nHTTP status: %d.", e.Status)
	}
	if c := e.san.Sanitize(e.Code, maxCodeLen); c != "" {
		fmt.Fprintf(&b, "\nOAuth error: %s.", c)
	}
	if d := e.san.Sanitize(e.Description, redact.DefaultLen); d != "" {
		fmt.Fprintf(&b, "\nError description: %s", d)
	}
	if u := e.san.Sanitize(e.URI, redact.DefaultLen); u != "" {
		fmt.Fprintf(&b, "\nError URI: %s", u)
	}
	if x := e.san.Sanitize(e.Excerpt, redact.ExcerptLen); x != "" {
		fmt.Fprintf(&b, "\nResponse body (excerpt): %s", x)
	}
	if h := e.san.Sanitize(e.Hint, maxHintLen); h != "" {
		fmt.Fprintf(&b, "\n\n%s", h)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// op names an operation for the errors it may end in, and the registry
// those errors are sanitised with.
type op struct {
	summary, action string
	san             *redact.Registry
}

// fail is the one constructor of *Error: the operation, why it failed and
// the underlying cause (nil when there is none). Callers add the answer's
// details (status, OAuth fields, hint) to what it returns.
func (o op) fail(reason string, cause error) *Error {
	return &Error{Summary: o.summary, Action: o.action, Reason: reason, Err: cause, san: o.san}
}

// answerFailed is the one constructor of an *Error about an answer, for
// tokens, discovery, identity tokens and revocation alike: why the answer
// is unusable, how many attempts it took, its HTTP status and, with
// excerpt, a short sanitised excerpt of its body. Callers add the OAuth
// fields or a hint.
func (o op) answerFailed(ans *answer, reason string, excerpt bool) *Error {
	e := o.fail(reason+attemptsSuffix(ans.attempts), nil)
	e.Status = ans.status
	if excerpt {
		e.Excerpt = o.san.Excerpt(ans.body)
	}
	return e
}

// failWith is fail with the cause's own text as the reason.
func (o op) failWith(cause error) *Error { return o.fail(cause.Error(), cause) }

// attemptsSuffix is the one wording of how many attempts an answer took.
func attemptsSuffix(n int) string {
	if n > 1 {
		return fmt.Sprintf(" (after %d attempts)", n)
	}
	return ""
}

// describeFailure explains a request that got no usable answer.
func (c *Client) describeFailure(ctx context.Context, err error, n int) string {
	tries := attemptsSuffix(n)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("no answer within the retry budget of %s%s", c.cfg.RetryBudget, tries)
	}
	if errors.Is(err, context.Canceled) {
		return "the request was cancelled"
	}
	var re *redirectError
	if errors.As(err, &re) {
		return re.Error()
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

// cancelled turns a caller's ended context into an *Error; other errors
// pass through.
func cancelled(err error, o op) error {
	var oe *Error
	if errors.As(err, &oe) {
		return err // the exchange's own failure, timeouts included
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return o.fail("the request was cancelled before an answer arrived", err)
	}
	return err
}

// hintFor suggests the next step for the standard RFC 6749 §5.2 error codes.
func hintFor(code string, method AuthMethod) string {
	switch code {
	case "invalid_client", "unauthorized_client":
		if h := methodHint(method); h != "" {
			return h
		}
		alt := ClientSecretPost
		if method == ClientSecretPost {
			alt = ClientSecretBasic
		}
		return fmt.Sprintf("The server rejected the client credentials sent with auth_method %q. "+
			"Check client_id and client_secret; if they are right, the server may expect auth_method %q. "+
			"The provider does not retry with another method on its own, so that failed attempts do not "+
			"count twice against rate limits and lockouts.", method, alt)
	case "invalid_scope":
		return "Check the scopes requested against those the client is allowed (the discovery document's scopes_supported lists the server's)."
	case "invalid_target":
		return "Check audience and resource: the server does not accept the requested target (RFC 8693 §2.2.2)."
	case "unsupported_grant_type":
		return "The server does not allow this client the grant requested (client_credentials, or RFC 8693 token exchange); enable it for the client on the authorization server."
	case "invalid_request":
		return "The server found the request malformed; check request_format, content_type and extra_params, and for a token " +
			"exchange the subject token and its subject_token_type (RFC 8693 §2.2.2)."
	}
	return ""
}

// methodHint is the invalid_client hint for methods other than the two
// shared-secret ones.
func methodHint(method AuthMethod) string { return clientAuths[method].hint }
