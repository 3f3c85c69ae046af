package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// An upgraded connection (101, a websocket say) does not outlive the
// proxy: Close ends it, client side and upstream side, within the bound
// its context sets, as it ends requests in flight.
func TestCloseEndsUpgradedConnections(t *testing.T) {
	upstreamDone := make(chan error, 1)
	p, _ := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "test-stream" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			upstreamDone <- err
			return
		}
		defer c.Close()
		fmt.Fprint(brw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test-stream\r\n\r\nhello\n")
		_ = brw.Flush()
		_, err = io.Copy(io.Discard, brw) // until the proxy hangs up
		upstreamDone <- err
	}), &tokens{})
	base, prefix := capPath(p)
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s/stream HTTP/1.1\r\nHost: proxy\r\nConnection: Upgrade\r\nUpgrade: test-stream\r\n\r\n", prefix)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if line, err := br.ReadString('\n'); line != "hello\n" {
		t.Fatalf("read %q, %v through the upgraded connection", line, err)
	}

	// The 30 s below are guards against a hang, not timings: a closed
	// connection answers at once, and Close returns once its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	closed := make(chan struct{})
	go func() { _ = p.Close(ctx); close(closed) }()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return with an upgraded connection open, although its context ended")
	}
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err = br.ReadByte()
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Errorf("the client's upgraded connection is still open after Close (read: %v)", err)
	}
	select {
	case <-upstreamDone: //nolint:errcheck // a signal; its value is not an error to check
	case <-time.After(30 * time.Second):
		t.Error("the upstream's side of the upgraded connection is still open after Close")
	}
}
