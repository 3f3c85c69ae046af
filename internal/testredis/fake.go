package testredis

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Fake is a tiny server speaking the Redis protocol (RESP2) on a loopback
// address, for tests that need a Redis that lies: one that answers AUTH
// with the password it received, or a cluster node that redirects. Every
// command it receives is recorded. It needs no redis-server.
type Fake struct {
	Addr string
	// URL is redis:// to the fake, without a password.
	URL string

	l      net.Listener
	handle func(cmd []string) string
	mu     sync.Mutex
	cmds   [][]string
	wg     sync.WaitGroup
	conns  map[net.Conn]bool
	closed bool
}

// StartFake listens on host (an address such as 127.0.0.1 or 127.0.0.2) and
// a free port until the test ends. handle returns the raw RESP answer to a
// command (see the Simple, Error, Bulk, Int and Array helpers); "" answers
// an error that the command is unknown.
func StartFake(t testing.TB, host string, handle func(cmd []string) string) *Fake {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", host, err)
	}
	f := &Fake{Addr: l.Addr().String(), l: l, handle: handle, conns: map[net.Conn]bool{}}
	f.URL = "redis://" + f.Addr
	f.wg.Add(1)
	go f.serve()
	t.Cleanup(f.Close)
	return f
}

// Close stops the fake and ends its connections.
func (f *Fake) Close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	_ = f.l.Close()
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// Commands returns every command received so far, each as its words.
func (f *Fake) Commands() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.cmds...)
}

// Names returns the name of every command received so far, without its
// arguments (AUTH's hold the password): for failure messages.
func (f *Fake) Names() []string {
	var names []string
	for _, c := range f.Commands() {
		if len(c) > 0 {
			names = append(names, c[0])
		}
	}
	return names
}

// Received reports whether any command received so far contains s in one
// of its words.
func (f *Fake) Received(s string) bool {
	for _, c := range f.Commands() {
		for _, w := range c {
			if strings.Contains(w, s) {
				return true
			}
		}
	}
	return false
}

func (f *Fake) serve() {
	defer f.wg.Done()
	for {
		c, err := f.l.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			_ = c.Close()
			return
		}
		f.conns[c] = true
		f.wg.Add(1)
		f.mu.Unlock()
		go f.serveConn(c)
	}
}

func (f *Fake) serveConn(c net.Conn) {
	defer f.wg.Done()
	defer func() {
		_ = c.Close()
		f.mu.Lock()
		delete(f.conns, c)
		f.mu.Unlock()
	}()
	r := bufio.NewReader(c)
	for {
		cmd, err := readCommand(r)
		if err != nil {
			return
		}
		f.mu.Lock()
		f.cmds = append(f.cmds, cmd)
		f.mu.Unlock()
		answer := f.handle(cmd)
		if answer == "" {
			answer = Error("ERR unknown command")
		}
		if _, err := io.WriteString(c, answer); err != nil {
			return
		}
	}
}

// readCommand reads one RESP array of bulk strings.
func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(line, "*") {
		return strings.Fields(line), nil // an inline command
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil || n < 0 || n > 1024 {
		return nil, errors.New("bad array header")
	}
	cmd := make([]string, 0, n)
	for range n {
		h, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		h = strings.TrimRight(h, "\r\n")
		if !strings.HasPrefix(h, "$") {
			return nil, errors.New("bad bulk header")
		}
		size, err := strconv.Atoi(h[1:])
		if err != nil || size < 0 || size > 1<<20 {
			return nil, errors.New("bad bulk size")
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		cmd = append(cmd, string(buf[:size]))
	}
	return cmd, nil
}

// Simple is a RESP simple string answer (+OK).
func Simple(s string) string { return "+" + s + "\r\n" }

// Error is a RESP error answer; its first word is the error's code.
func Error(s string) string { return "-" + s + "\r\n" }

// Bulk is a RESP bulk string answer.
func Bulk(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }

// Nil is the RESP null bulk string: no such key.
func Nil() string { return "$-1\r\n" }

// Int is a RESP integer answer.
func Int(n int64) string { return ":" + strconv.FormatInt(n, 10) + "\r\n" }

// Array is a RESP array of already encoded answers.
func Array(items ...string) string {
	return "*" + strconv.Itoa(len(items)) + "\r\n" + strings.Join(items, "")
}

// EmptyNode is the handler of a node that holds nothing: HELLO refused (the
// client falls back to RESP2), GET answers no such key, anything else OK.
func EmptyNode(cmd []string) string {
	switch strings.ToUpper(cmd[0]) {
	case "HELLO":
		return Error("ERR unknown command 'HELLO'")
	case "GET":
		return Nil()
	}
	return Simple("OK")
}

// ClusterSlots is the answer to CLUSTER SLOTS of a cluster whose one node,
// at addr (host:port), holds every slot.
func ClusterSlots(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.ParseInt(port, 10, 64)
	return Array(Array(Int(0), Int(16383), Array(Bulk(host), Int(n), Bulk("node-id"))))
}
