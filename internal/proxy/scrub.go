package proxy

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// MaxScrubBody is the largest answer body (with a Content-Length) held
// whole to remove an injected credential from it, the length corrected;
// a larger one, or one of unknown length, is streamed with each credential
// masked at the same length.
const MaxScrubBody = 1 << 20

// allowedMethods are an API's vocabulary. Any other (TRACE and TRACK
// reflect the request, Authorization included; CONNECT tunnels; WebDAV's
// and made-up ones) is refused before the upstream.
var allowedMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

const allowHeader = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"

// scrub removes from an answer every credential the proxy injected into
// its request (the token, the DPoP proof) and every one the registry
// knows, in their literal forms (redact.Literal): from each header value,
// from the trailers, and from the body, which is otherwise passed on byte
// for byte. An upgraded connection (101) has no body to rewrite: only its
// headers are scrubbed. A body in a Content-Encoding other than gzip
// cannot be inspected and is refused.
func (p *Proxy) scrub(resp *http.Response) error {
	var injected []string
	if req := resp.Request; req != nil {
		if _, tok, ok := strings.Cut(req.Header.Get("Authorization"), " "); ok {
			injected = append(injected, tok)
		}
		injected = append(injected, req.Header.Get("DPoP"))
	}
	l := p.opts.Redact.Literal(injected...)
	if l.Empty() {
		return nil
	}
	scrubHeader(l, resp.Header)
	if resp.StatusCode == http.StatusSwitchingProtocols || resp.Body == nil || resp.Body == http.NoBody ||
		(resp.Request != nil && resp.Request.Method == http.MethodHead) {
		return nil
	}
	switch ce := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); ce {
	case "", "identity":
	case "gzip", "x-gzip": // the proxy asks for none; the transport undoes the gzip it asks for itself
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return fmt.Errorf("the upstream's gzip body could not be read: %w", err)
		}
		resp.Body = struct {
			io.Reader
			io.Closer
		}{zr, resp.Body}
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
	default:
		_ = resp.Body.Close()
		return fmt.Errorf("the upstream answered in Content-Encoding %q, which the proxy cannot inspect for credentials", ce)
	}
	if resp.ContentLength >= 0 && resp.ContentLength <= MaxScrubBody {
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		scrubHeader(l, resp.Trailer)
		if l.Contains(b) {
			b = l.Redact(b)
			resp.ContentLength = int64(len(b))
			resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
			for _, h := range []string{"Content-MD5", "Digest", "Content-Digest", "Repr-Digest"} {
				resp.Header.Del(h)
			}
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return nil
	}
	resp.Body = &scrubbedBody{r: l.MaskReader(resp.Body), c: resp.Body, eof: func() { scrubHeader(l, resp.Trailer) }}
	return nil
}

func scrubHeader(l *redact.Literal, h http.Header) {
	for _, vs := range h {
		for i, v := range vs {
			vs[i] = l.RedactString(v)
		}
	}
}

// scrubbedBody is a streamed body masked as it goes; at its end, before
// the reverse proxy copies them, the trailers are scrubbed too.
type scrubbedBody struct {
	r   io.Reader
	c   io.Closer
	eof func()
}

func (b *scrubbedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF && b.eof != nil {
		b.eof()
		b.eof = nil
	}
	return n, err
}

func (b *scrubbedBody) Close() error { return b.c.Close() }
