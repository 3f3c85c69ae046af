package proxy

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// longTokens issues tokens as long as real ones; the registry is told of
// none of them (the proxy must tell it, or strip them itself).
type longTokens struct {
	mu     sync.Mutex
	issued []string
}

func (s *longTokens) fetch(context.Context) (*oauth.Token, error) {
	var b [24]byte
	_, _ = rand.Read(b[:])
	tok := "at-" + hex.EncodeToString(b[:])
	s.mu.Lock()
	s.issued = append(s.issued, tok)
	s.mu.Unlock()
	return &oauth.Token{AccessToken: tok}, nil
}

func (*longTokens) usable(*oauth.Token) bool { return true }

// Methods outside an API's vocabulary are refused with 405 and an Allow
// header, without reaching the upstream or fetching a token: TRACE and
// TRACK would reflect the injected Authorization back to the caller.
func TestMethodsOutsideTheAPIVocabularyAreRefused(t *testing.T) {
	var calls atomic.Int32
	src := &tokens{}
	p, _ := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method == "TRACE" {
			w.Header().Set("Content-Type", "message/http")
			_ = r.Write(w)
		}
	}), src)
	base, prefix := capPath(p)
	for _, m := range []string{"TRACE", "TRACK", "CONNECT", "PROPFIND", "MKCOL", "LOCK", "DEBUG", "get", "BREW"} {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "%s %s/items HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n", m, prefix)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		_ = c.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS" ||
			bytes.Contains(body, []byte("tok-")) {
			t.Errorf("%s: %d, Allow %q, body %q; want 405", m, resp.StatusCode, resp.Header.Get("Allow"), body)
		}
	}
	if calls.Load() != 0 || src.n.Load() != 0 {
		t.Fatalf("%d upstream calls, %d token fetches for refused methods", calls.Load(), src.n.Load())
	}
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		if code := raw(t, base, m, prefix+"/items"); code != http.StatusOK {
			t.Errorf("%s: %d", m, code)
		}
	}
	if calls.Load() != 7 {
		t.Errorf("%d of 7 allowed methods reached the upstream", calls.Load())
	}
}

// echo is an upstream that reflects every request header: in its answer's
// headers, and in its body, in the shape the path asks for.
func echo(w http.ResponseWriter, r *http.Request) {
	for k, vs := range r.Header {
		for _, v := range vs {
			w.Header().Add("X-Echo-"+k, v)
		}
	}
	var dump bytes.Buffer
	_ = r.Header.Write(&dump)
	js, _ := json.Marshal(map[string]any{"headers": r.Header, "path": r.URL.Path})
	switch r.URL.Path {
	case "/api/json": // small, with a Content-Length
		w.Header().Set("Content-Length", strconv.Itoa(len(js)))
		_, _ = w.Write(js)
	case "/api/base64":
		_, _ = io.WriteString(w, base64.StdEncoding.EncodeToString(dump.Bytes()))
	case "/api/large": // past the buffered bound, with a Content-Length
		filler := bytes.Repeat([]byte("0123456789abcdef"), (MaxScrubBody+1024)/16)
		w.Header().Set("Content-Length", strconv.Itoa(2*len(filler)+len(js)))
		_, _ = w.Write(filler)
		_, _ = w.Write(js)
		_, _ = w.Write(filler)
	case "/api/stream": // no length, the header cut across flushes
		h := dump.String()
		for i := 0; i < len(h); i += 7 {
			_, _ = io.WriteString(w, h[i:min(i+7, len(h))])
			http.NewResponseController(w).Flush() //nolint:errcheck // the test server's writer flushes
		}
	case "/api/gzip": // compressed though nobody asked
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write(js)
		_ = zw.Close()
	case "/api/br": // an encoding the proxy cannot read
		w.Header().Set("Content-Encoding", "br")
		_, _ = w.Write(js)
	case "/api/trailer":
		w.Header().Set("Trailer", "X-Echo-Auth")
		_, _ = io.WriteString(w, "body")
		w.Header().Set("X-Echo-Auth", r.Header.Get("Authorization"))
	}
}

// Nothing the proxy injected comes back: not the token (Bearer or DPoP),
// not the DPoP proof, in no header, trailer or body, whatever the body's
// size, framing or encoding; a Content-Length sent is the body's length.
func TestInjectedCredentialsNeverComeBack(t *testing.T) {
	for _, dpop := range []bool{false, true} {
		t.Run(fmt.Sprintf("dpop=%v", dpop), func(t *testing.T) {
			var proofs []string
			var mu sync.Mutex
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				proofs = append(proofs, r.Header.Get("DPoP"))
				mu.Unlock()
				echo(w, r)
			}))
			t.Cleanup(up.Close)
			u, _ := url.Parse(up.URL + "/api")
			src := &longTokens{}
			// Without the transport's own gzip, so that the proxy meets an
			// upstream that compresses unasked.
			o := Options{Upstream: u, Transport: &http.Transport{DisableCompression: true}, Fetch: src.fetch, Usable: func(*oauth.Token) bool { return true },
				Redact: redact.New()}
			if dpop {
				o.DPoP, _ = oauth.NewDPoPKey(nil)
			}
			p := startWith(t, o)
			client := &http.Client{Transport: &http.Transport{DisableCompression: true}} // the bytes as the proxy sent them
			for _, path := range []string{"/json", "/base64", "/large", "/stream", "/gzip", "/trailer"} {
				req, _ := http.NewRequest(http.MethodGet, p.URL+path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				req.Header.Set("Te", "trailers")
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d, %v", path, resp.StatusCode, err)
				}
				if resp.ContentLength >= 0 && resp.ContentLength != int64(len(body)) {
					t.Errorf("%s: Content-Length %d for %d bytes", path, resp.ContentLength, len(body))
				}
				if resp.Header.Get("Content-Encoding") == "gzip" {
					if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
						body, _ = io.ReadAll(zr)
					}
				}
				var head bytes.Buffer
				_ = resp.Header.Write(&head)
				_ = resp.Trailer.Write(&head)
				mu.Lock()
				secrets := append([]string{proofs[len(proofs)-1]}, src.issued...)
				mu.Unlock()
				for i, s := range secrets {
					if s == "" {
						continue
					}
					name := "the DPoP proof"
					if i > 0 {
						name = fmt.Sprintf("token %d", i)
					}
					for _, where := range []struct {
						label string
						b     []byte
					}{{"the headers or trailers", head.Bytes()}, {"the body", body}, {"the body, base64-decoded", []byte(decodeB64(body))}} {
						if bytes.Contains(where.b, []byte(s)) {
							t.Errorf("%s: %s came back in %s", path, name, where.label) // not the bytes: they hold it
						}
					}
				}
				if !bytes.Contains(head.Bytes(), []byte("X-Echo-Authorization")) {
					t.Errorf("%s: the echo header itself should still arrive, its value redacted: %s", path, head.Bytes())
				}
			}
			if tok := src.issued[0]; o.Redact.Sanitize(tok, 0) == tok {
				t.Error("the proxy did not tell the registry of the token it injects")
			}
			resp, err := client.Get(p.URL + "/br")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusBadGateway || bytes.Contains(body, []byte("at-")) {
				t.Errorf("a body the proxy cannot read came back as %d %q; want 502", resp.StatusCode, body)
			}
		})
	}
}

func decodeB64(b []byte) string {
	d, _ := base64.StdEncoding.DecodeString(string(b))
	return string(d)
}

// A body holding nothing to remove arrives byte for byte, with its
// Content-Length, in one piece or streamed.
func TestCleanBodiesPassUnchanged(t *testing.T) {
	small := []byte(`{"items":[{"id":1,"name":"at-"}],"next":"/objects?page=2"}` + "\n")
	large := bytes.Repeat([]byte("x\x00y\r\n"), (MaxScrubBody+10)/5)
	p, _ := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := small
		if r.URL.Path == "/api/v1/large" {
			b = large
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Header().Set("ETag", `"v1"`)
		_, _ = w.Write(b)
	}), &longTokens{}) // a token scrub looks for: shorter ones than redact.MinLiteralLen leave it nothing to do
	for path, want := range map[string][]byte{"/small": small, "/large": large} {
		resp, err := http.Get(p.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if !bytes.Equal(got, want) || resp.ContentLength != int64(len(want)) || resp.Header.Get("ETag") != `"v1"` {
			t.Errorf("%s: %d bytes (Content-Length %d); want the %d bytes sent", path, len(got), resp.ContentLength, len(want))
		}
	}
}
