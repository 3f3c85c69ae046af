//go:build unix

package proxy

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// socketClient talks HTTP over the proxy's Unix socket, as
// curl --unix-socket does.
func socketClient(path string) *http.Client {
	return &http.Client{
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// The Unix socket is a second way in, for local tools, that needs no
// capability: the filesystem is the capability. It is the user's alone
// (socket 0600 in a fresh directory 0700), forwards as the URL does, with
// the same refusals, and is gone after Close.
func TestUnixSocketForLocalTools(t *testing.T) {
	var got *http.Request
	var upURL string
	p, up := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		if r.URL.Path == "/api/v1/old" {
			http.Redirect(w, r, upURL+"/api/v1/new?page=2", http.StatusFound)
		}
	}), &tokens{})
	upURL = up.URL
	if p.Socket == "" {
		t.Fatal("no socket")
	}
	dir := filepath.Dir(p.Socket)
	for path, want := range map[string]os.FileMode{dir: os.ModeDir | 0o700, p.Socket: os.ModeSocket | 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			t.Fatalf("%s: no owner information on this platform", path)
		}
		if fi.Mode() != want || st.Uid != uint32(os.Getuid()) {
			t.Errorf("%s: mode %v, owner %d; want %v, owned by %d", path, fi.Mode(), st.Uid, want, os.Getuid())
		}
	}
	c := socketClient(p.Socket)
	resp, err := c.Get("http://proxy/objects//1?x=%2F")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || got.RequestURI != "/api/v1/objects//1?x=%2F" || got.Header.Get("Authorization") != "Bearer tok-1" {
		t.Errorf("status %d; upstream saw %q with %q", resp.StatusCode, got.RequestURI, got.Header.Get("Authorization"))
	}
	resp, err = c.Get("http://proxy/old")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/new?page=2" {
		t.Errorf("a redirect through the socket points at %q; want /new?page=2 (on the socket)", loc)
	}
	for _, tc := range []struct{ method, path string }{{"TRACE", "/x"}, {"GET", "/a/../x"}} {
		req, _ := http.NewRequest(tc.method, "http://proxy"+tc.path, nil)
		req.URL.Opaque = tc.path // as written
		got = nil
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode < 400 || got != nil {
			t.Errorf("%s %s through the socket: %d", tc.method, tc.path, resp.StatusCode)
		}
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the socket's directory is still there after Close: %v", err)
	}
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") {
		t.Errorf("URL %s", p.URL)
	}
}
