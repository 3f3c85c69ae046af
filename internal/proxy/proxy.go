// Package proxy is the authenticating reverse proxy behind the ephemeral
// clientcreds_proxy: a listener on 127.0.0.1 whose capability URL another
// provider takes as its API's base URL, and a Unix socket for local tools.
// Each request to it is forwarded to the upstream API, streamed both ways
// by the standard library's reverse proxy, with an Authorization header the
// proxy sets from a token that is always fresh; the token never leaves the
// provider process. It knows nothing of Terraform: tokens come from a Fetch
// function.
//
// Only the holder of the URL, or the user who owns the socket, gets in: the
// listener is loopback only, and a path that does not start with the
// capability (at least 128 random bits, compared in constant time, never
// logged) is answered 404 and reaches nothing; the socket (mode 0600, in a
// directory of mode 0700) needs no capability. What gets in reaches nothing
// but the upstream, as the client, and never the token: absolute-form
// targets and methods outside GET, HEAD, POST, PUT, PATCH, DELETE and
// OPTIONS are refused, the path is forwarded as written (dot segments
// refused), and every injected credential is removed from the answers
// (scrub.go). Close ends everything, upgraded connections included.
package proxy

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// MaxReplayBody is the largest request body kept to replay the request once
// with a new token after the upstream refused the old one; a larger body is
// streamed, and its 401 goes back to the client.
const MaxReplayBody = 1 << 20

// Options configure a proxy.
type Options struct {
	// Upstream is the API's base URL.
	Upstream *url.URL
	// Transport reaches the upstream (the provider's settings).
	Transport http.RoundTripper
	// Fetch gets a new token.
	Fetch func(ctx context.Context) (*oauth.Token, error)
	// Usable reports whether a token may still be used.
	Usable func(*oauth.Token) bool
	// Reject, when set, is told of a token the upstream refused as
	// invalid, before a new one is fetched: a shared or stored token is
	// then dropped, so that neither this proxy nor another run reads it
	// again.
	Reject func(ctx context.Context, accessToken string)
	// DPoP, when set, sends each token as a DPoP token (RFC 9449) with a
	// fresh proof by this key, and takes a resource server's nonce.
	DPoP *oauth.DPoPKey
	// Initial, when set, is the first token (fetched by the caller, so that
	// a misconfiguration shows when the proxy opens).
	Initial *oauth.Token
	// Redact is the provider instance's registry of known credentials:
	// what the proxy shows passes it.
	Redact *redact.Registry
}

// Proxy is a running proxy.
type Proxy struct {
	// URL is http://127.0.0.1:<port>/<capability>, with no trailing slash.
	URL string
	// Socket is the path of the Unix socket: requests on it need no
	// capability in their path, since only the user can open it.
	Socket string

	opts       Options
	capability string
	servers    []*http.Server     // the loopback URL's, the socket's
	done       sync.WaitGroup     // until every server has stopped serving
	dir        string             // the socket's
	stop       context.CancelFunc // ends every request's context, an upgraded connection's with it

	connMu   sync.Mutex
	closing  bool
	handlers sync.WaitGroup        // requests being handled; an upgraded one until its connection ends
	hijacked map[net.Conn]struct{} // connections taken over by an upgrade, until their handler returns

	mu      sync.Mutex
	cur     *oauth.Token
	fetched []string // every token the proxy used, for revocation
}

// Start listens on 127.0.0.1 on a free port and serves until Close.
func Start(o Options) (*Proxy, error) {
	if o.Upstream == nil || o.Transport == nil || o.Fetch == nil || o.Usable == nil {
		return nil, errors.New("the proxy needs an upstream, a transport and a token source")
	}
	if o.Redact == nil {
		o.Redact = redact.New()
	}
	var b [24]byte // 192 bits
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("the proxy cannot listen on 127.0.0.1: %w", err)
	}
	sock, dir, err := listenSocket()
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	p := &Proxy{opts: o, capability: base64.RawURLEncoding.EncodeToString(b[:]), cur: o.Initial, dir: dir}
	if o.Initial != nil {
		o.Redact.Remember(o.Initial.AccessToken)
		p.fetched = append(p.fetched, o.Initial.AccessToken)
	}
	p.URL = fmt.Sprintf("http://%s/%s", ln.Addr(), p.capability)
	p.Socket = sock.Addr().String()
	rp := &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      &authTransport{p: p, base: o.Transport},
		FlushInterval:  -1, // stream as it comes
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.upstreamError,
	}
	base, stop := context.WithCancel(context.Background())
	p.stop, p.hijacked = stop, map[net.Conn]struct{}{}
	for _, l := range []net.Listener{ln, sock} {
		viaSocket := l == sock
		srv := &http.Server{
			Handler:           p.track(p.gate(rp, !viaSocket)),
			ReadHeaderTimeout: 30 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return base },
			ConnContext: func(ctx context.Context, c net.Conn) context.Context {
				return context.WithValue(context.WithValue(ctx, connKey{}, c), viaSocketKey{}, viaSocket)
			},
			ConnState: p.connState,
		}
		p.servers = append(p.servers, srv)
		p.done.Add(1)
		go func() { defer p.done.Done(); _ = srv.Serve(l) }()
	}
	return p, nil
}

// listenSocket listens on a Unix socket, mode 0600, in a fresh directory
// of mode 0700 (the user's alone, so no other user can even reach the
// socket's name), which Close removes.
func listenSocket() (net.Listener, string, error) {
	dir, err := os.MkdirTemp("", "clientcreds-proxy-")
	if err != nil {
		return nil, "", fmt.Errorf("the proxy cannot make its socket's directory: %w", err)
	}
	path := filepath.Join(dir, "proxy.sock")
	l, err := net.Listen("unix", path)
	if err == nil && runtime.GOOS != "windows" {
		if err = os.Chmod(dir, 0o700); err == nil {
			err = os.Chmod(path, 0o600)
		}
	}
	if err != nil {
		if l != nil {
			_ = l.Close()
		}
		_ = os.RemoveAll(dir)
		return nil, "", fmt.Errorf("the proxy cannot listen on a Unix socket: %w", err)
	}
	return l, dir, nil
}

// Close stops accepting and lets requests in flight finish, upgraded
// connections (101: a websocket, say) included, until ctx ends; then it
// ends whatever is left, upgraded connections on both sides too.
func (p *Proxy) Close(ctx context.Context) error {
	p.connMu.Lock()
	p.closing = true // no handler starts after this, so handlers.Wait is safe
	p.connMu.Unlock()
	// Shutdown does not wait for upgraded connections: the server no
	// longer owns them.
	errs := make([]error, len(p.servers))
	var wg sync.WaitGroup
	for i, srv := range p.servers {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = srv.Shutdown(ctx) }()
	}
	wg.Wait()
	err := errors.Join(errs...)
	finished := make(chan struct{})
	go func() { p.handlers.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	p.stop() // the reverse proxy closes an upgrade's upstream side when its request's context ends
	p.connMu.Lock()
	for c := range p.hijacked {
		_ = c.Close()
	}
	p.connMu.Unlock()
	for _, srv := range p.servers {
		_ = srv.Close()
	}
	p.done.Wait()
	if rmErr := os.RemoveAll(p.dir); err == nil {
		err = rmErr
	}
	return err
}

type (
	connKey      struct{}
	viaSocketKey struct{}
)

// track counts the requests being handled, so that Close can wait for
// upgraded ones, which the server stops counting once they are hijacked.
func (p *Proxy) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.connMu.Lock()
		if p.closing {
			p.connMu.Unlock()
			w.Header().Set("Connection", "close")
			http.Error(w, "clientcreds proxy: closing", http.StatusServiceUnavailable)
			return
		}
		p.handlers.Add(1)
		p.connMu.Unlock()
		defer p.handlers.Done()
		next.ServeHTTP(w, r)
		if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
			p.connMu.Lock()
			delete(p.hijacked, c)
			p.connMu.Unlock()
		}
	})
}

func (p *Proxy) connState(c net.Conn, s http.ConnState) {
	if s == http.StateHijacked {
		p.connMu.Lock()
		p.hijacked[c] = struct{}{}
		p.connMu.Unlock()
	}
}

// gate lets through only origin-form requests with an allowed method and,
// on the loopback URL (capability true), under the capability. The path
// after the capability (all of it, on the socket) is kept as it was
// written (see forwardedPath).
func (p *Proxy) gate(next http.Handler, capability bool) http.Handler {
	prefix := "/" + p.capability
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowedMethods[r.Method] {
			w.Header().Set("Allow", allowHeader)
			http.Error(w, "clientcreds proxy: the method "+strconv.Quote(r.Method)+" is not forwarded", http.StatusMethodNotAllowed)
			return
		}
		if !strings.HasPrefix(r.RequestURI, "/") {
			http.Error(w, "the proxy forwards only to its upstream", http.StatusMethodNotAllowed)
			return
		}
		rest, _, _ := strings.Cut(r.RequestURI, "?")
		if capability {
			head := rest
			rest = ""
			if i := strings.IndexByte(head[1:], '/'); i >= 0 {
				head, rest = head[:i+1], head[i+1:]
			}
			if subtle.ConstantTimeCompare([]byte(head), []byte(prefix)) != 1 {
				http.NotFound(w, r)
				return
			}
		}
		rest, decoded, err := forwardedPath(rest)
		if err != nil {
			http.Error(w, "clientcreds proxy: "+err.Error(), http.StatusBadRequest)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath = decoded, rest
		next.ServeHTTP(w, r2)
	})
}

// forwardedPath checks the path a client wrote after the capability and
// returns it as it will be sent (escaped: every escape as written, and a
// byte that may not stand in a path, such as a space or a backslash,
// escaped) and decoded. It is never parsed as a URL (a leading "//" is
// not an authority) nor cleaned; a path holding a dot segment ("." or
// "..") in any spelling that decodes to one, counting "%2F" and "\" as
// separators as some servers do, is refused: it could climb out of the
// upstream's base path.
func forwardedPath(raw string) (escaped, decoded string, err error) {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c == '%' || pathByte(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	escaped = b.String()
	if decoded, err = url.PathUnescape(escaped); err != nil {
		return "", "", errors.New("the request path is not validly escaped")
	}
	for _, seg := range strings.FieldsFunc(decoded, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == "." || seg == ".." {
			return "", "", errors.New("the request path holds a dot segment (\".\" or \"..\"), which the proxy does not forward")
		}
	}
	return escaped, decoded, nil
}

// pathByte reports the bytes that stand as they are in an escaped path
// (RFC 3986 pchar and "/", less "%").
func pathByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0
}

// rewrite sends the request to the upstream, with the upstream's Host and
// no client-sent Authorization (the transport sets the proxy's). The path
// is the upstream's base path joined, as written, to the one the client
// wrote after the capability: the base path's trailing slash gives way to
// the client's leading one, and no path keeps the base path as it is.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(p.opts.Upstream)
	pr.Out.Host = p.opts.Upstream.Host
	rest, base := pr.In.URL.RawPath, p.opts.Upstream.EscapedPath()
	escaped := base
	if rest != "" {
		escaped = strings.TrimSuffix(base, "/") + rest
	}
	if escaped == "" {
		escaped = "/"
	}
	decoded, _ := url.PathUnescape(escaped) // both halves were checked
	pr.Out.URL.Path, pr.Out.URL.RawPath = decoded, escaped
	pr.Out.Header.Del("Authorization")
	pr.Out.Header.Del("Proxy-Authorization")
	// The answer must be readable to be scrubbed: the transport asks for
	// gzip itself and undoes it, where a client's own Accept-Encoding
	// (br, zstd) would reach the proxy still encoded.
	pr.Out.Header.Del("Accept-Encoding")
}

// modifyResponse rewrites a redirect back to the proxy, then removes
// every injected credential from the answer.
func (p *Proxy) modifyResponse(resp *http.Response) error {
	if err := p.rewriteLocation(resp); err != nil {
		return err
	}
	return p.scrub(resp)
}

// rewriteLocation points a redirect inside the upstream's base path (on
// its origin, on a segment boundary: a base of /api does not cover /api2)
// back at the proxy, escaping kept, so that a client following it comes
// back through; the proxy itself never follows one.
func (p *Proxy) rewriteLocation(resp *http.Response) error {
	loc, err := resp.Location()
	if err != nil {
		return nil //nolint:nilerr // no Location, nothing to rewrite
	}
	up := p.opts.Upstream
	base, lp := strings.TrimSuffix(up.EscapedPath(), "/"), loc.EscapedPath()
	if !strings.EqualFold(loc.Scheme, up.Scheme) || !strings.EqualFold(loc.Host, up.Host) ||
		(lp != base && !strings.HasPrefix(lp, base+"/")) {
		return nil
	}
	out := p.URL + lp[len(base):]
	if via, _ := resp.Request.Context().Value(viaSocketKey{}).(bool); via {
		out = cmp.Or(lp[len(base):], "/") // a path on the socket the request came by
	}
	if loc.RawQuery != "" {
		out += "?" + loc.RawQuery
	}
	if loc.Fragment != "" {
		out += "#" + loc.EscapedFragment()
	}
	resp.Header.Set("Location", out)
	return nil
}

func (p *Proxy) upstreamError(w http.ResponseWriter, _ *http.Request, err error) {
	msg := p.opts.Redact.Sanitize(err.Error(), 300)
	http.Error(w, "clientcreds proxy: the upstream request failed: "+msg, http.StatusBadGateway)
}

// token returns the current token while it is usable (and is not the one
// the upstream just refused), else fetches one; callers wait on one fetch.
func (p *Proxy) token(ctx context.Context, refused string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur != nil && p.cur.AccessToken != refused && p.opts.Usable(p.cur) {
		return p.cur.AccessToken, nil
	}
	if refused != "" && p.opts.Reject != nil {
		p.opts.Reject(ctx, refused)
	}
	t, err := p.opts.Fetch(ctx)
	if err != nil {
		return "", err
	}
	p.opts.Redact.Remember(t.AccessToken)
	p.cur = t
	p.fetched = append(p.fetched, t.AccessToken)
	return t.AccessToken, nil
}

// Tokens lists every token the proxy has used, oldest first.
func (p *Proxy) Tokens() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.fetched...)
}

// authTransport sets the Authorization header of every request to the
// upstream and, when the upstream refuses the token as invalid and the
// request's body could be kept, replays the request once with a new token.
type authTransport struct {
	p    *Proxy
	base http.RoundTripper
}

// RoundTrip sends req with the current token and, when the upstream
// answers 401 and the body could be kept, sends it again once for each
// cause: a DPoP nonce the server asks for, a token it refuses as invalid.
func (a *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	replayable := keepSmallBody(req)
	tok, err := a.p.token(req.Context(), "")
	if err != nil {
		return nil, err
	}
	nonced, renewed := false, false
	for {
		if err := a.authorize(req, tok); err != nil {
			return nil, err
		}
		resp, err := a.base.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusUnauthorized || !replayable {
			return resp, err
		}
		switch nonce := resp.Header.Get("DPoP-Nonce"); {
		case a.p.opts.DPoP != nil && nonce != "" && challenge(resp, "use_dpop_nonce") && !nonced:
			a.p.opts.DPoP.SetNonce(req.URL.String(), nonce)
			nonced = true
		case challenge(resp, "invalid_token") && !renewed:
			if tok, err = a.p.token(req.Context(), tok); err != nil {
				_ = resp.Body.Close()
				return nil, err
			}
			renewed = true
		default:
			return resp, nil
		}
		_ = resp.Body.Close()
		again := req.Clone(req.Context())
		if req.GetBody != nil {
			if again.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		req = again
	}
}

// authorize sets the request's Authorization (and DPoP proof).
func (a *authTransport) authorize(req *http.Request, tok string) error {
	if a.p.opts.DPoP == nil {
		req.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
	proof, err := a.p.opts.DPoP.Proof(req.Method, req.URL.String(), tok)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "DPoP "+tok)
	req.Header.Set("DPoP", proof)
	return nil
}

// keepSmallBody makes the body replayable when it is at most
// MaxReplayBody; a larger one is streamed as it comes.
func keepSmallBody(req *http.Request) bool {
	if req.Body == nil || req.Body == http.NoBody {
		return true
	}
	if req.ContentLength < 0 || req.ContentLength > MaxReplayBody {
		return false
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, MaxReplayBody+1))
	_ = req.Body.Close()
	if err != nil {
		req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{err}))
		return false
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return true
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// challenge reports a WWW-Authenticate error code: RFC 6750 §3.1's
// invalid_token, RFC 9449 §9's use_dpop_nonce.
func challenge(resp *http.Response, code string) bool {
	for _, v := range resp.Header.Values("WWW-Authenticate") {
		if strings.Contains(v, `error="`+code+`"`) {
			return true
		}
	}
	return false
}
