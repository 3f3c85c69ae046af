package oauth

import (
	"context"
	"net/http"
)

// IdentitySource is where a workload's identity token comes from: a CI
// platform, a cloud's metadata service, a workload API. Package identity
// holds one per platform; this package only asks a source for a fresh token,
// on every attempt, and never stores one.
type IdentitySource interface {
	// Name is the platform as configured (workload_identity's value), for
	// messages.
	Name() string
	// Key tells two sources apart for token sharing: the platform and what
	// selects an identity on it (audience, connection, tag), never a
	// credential.
	Key() string
	// Check refuses a source that cannot work whatever the environment;
	// its errors are *ArgError.
	Check() error
	// Token fetches a fresh identity token, any HTTP going through h. An
	// error h returned passes through as it is; a *Refusal is an answer the
	// source cannot use; any other error is a sentence saying what the job
	// lacks, and must not quote a credential.
	Token(ctx context.Context, h PlatformHTTP) (string, error)
}

// PlatformHTTP is the HTTP a client lends an identity source: its own
// transport (size cap, timeouts, bounded retries, the URL policy, no
// redirects, the metadata-server client for metadata hosts), with failures
// already turned into the client's *Error.
type PlatformHTTP interface {
	// Do sends one request (retried as every request is) and returns the
	// final answer, whatever its status but a redirect's.
	Do(ctx context.Context, req PlatformRequest) (*PlatformAnswer, error)
	// Secret registers a credential the source read (a request token, a
	// header value) with the client's sanitiser, before it is sent.
	Secret(s string)
}

// PlatformRequest is a request to a platform's identity endpoint.
type PlatformRequest struct {
	Method, URL string
	Header      http.Header
	// Body is sent with every attempt; nil sends none.
	Body []byte
	// Metadata marks a cloud metadata server: reached directly, never
	// through a proxy, and over plain http when the host is one of the
	// metadata server's own link-local names.
	Metadata bool
}

// PlatformAnswer is a platform's answer, its body read under the size cap.
type PlatformAnswer struct {
	Status int
	Header http.Header
	Body   []byte
	ans    *answer
}

// Refusal is an answer an identity source cannot use; the client turns it
// into its *Error for the request, with the status, the attempts it took
// and, with Excerpt, a sanitised excerpt of the body.
type Refusal struct {
	Answer  *PlatformAnswer
	Reason  string // a sentence fragment: "the platform did not issue an identity token"
	Hint    string // what to check, when one helps
	Excerpt bool
}

func (r *Refusal) Error() string { return r.Reason }
