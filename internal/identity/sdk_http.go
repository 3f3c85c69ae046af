package identity

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// sdkHTTP is the HTTP client a platform's SDK (AWS, MSAL) is given: each request goes through the
// oauth client's PlatformHTTP; the metadata servers' hosts (instance and
// container metadata, IPv4 and IPv6) and loopback ones are reached directly,
// as metadata servers.
type sdkHTTP struct {
	h    oauth.PlatformHTTP
	last *oauth.PlatformAnswer
}

func (s *sdkHTTP) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	host := req.URL.Hostname()
	a, err := s.h.Do(req.Context(), oauth.PlatformRequest{Method: req.Method, URL: req.URL.String(), Header: req.Header, Body: body,
		Metadata: oauth.IsMetadataServer(host) || oauth.IsLoopback(host)})
	if err != nil {
		return nil, err
	}
	s.last = a
	return &http.Response{Status: http.StatusText(a.Status), StatusCode: a.Status, Header: a.Header, Request: req,
		Body: io.NopCloser(bytes.NewReader(a.Body)), ContentLength: int64(len(a.Body))}, nil
}

func (s *sdkHTTP) CloseIdleConnections() {}

// failed is what an SDK's error becomes: the client's own error as it is;
// a refused answer (the last one, when it was not a success) as a refusal
// with reason and hint; anything else as unreadable, with the SDK's words.
func (s *sdkHTTP) failed(err error, reason, hint, unreadable string) error {
	var oe *oauth.Error
	if errors.As(err, &oe) {
		return oe
	}
	if a := s.last; a != nil && a.Status >= 300 {
		return &oauth.Refusal{Answer: a, Reason: reason, Hint: hint, Excerpt: true}
	}
	return fmt.Errorf("%s: %v", unreadable, err)
}
