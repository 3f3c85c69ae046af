package main

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

// The command is tested as users run it: built once, run as a subprocess.

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "token-server-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, name)
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// Bad input: one line on stderr naming the flag or field, exit status 2,
// nothing on stdout and no file written.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	unreadable := filepath.Join(dir, "unreadable.json")
	must(t, os.WriteFile(unreadable, []byte(`{}`), 0o000))
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	noSecret := write("nosecret.json", `{"clients":[{"id":"app"}]}`)
	unknownField := write("unknown.json", `{"client":[{"id":"app","secret":"x"}]}`)
	badJSON := write("bad.json", `{"clients":[`)
	privateKey := write("private.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
	env := filepath.Join(dir, "server.env")

	cases := []struct {
		name string
		args []string
		want string // in the one line
	}{
		{"unknown flag", []string{"-bogus"}, "-bogus"},
		{"bad flag value", []string{"-token-lifetime", "soon"}, "-token-lifetime"},
		{"stray argument", []string{"serve"}, `"serve"`},
		{"missing config", []string{"-config", filepath.Join(dir, "nope.json")}, "-config: " + filepath.Join(dir, "nope.json") + ": no such file"},
		{"config not JSON", []string{"-config", badJSON}, "-config " + badJSON},
		{"unknown config field", []string{"-config", unknownField}, `unknown field "client"`},
		{"config client without secret", []string{"-config", noSecret}, `clients[0] (id "app"): needs a secret, secret_env or public_key_file`},
		{"flag client without secret", []string{"-client", "app"}, `-client "app": no secret`},
		{"secret from an unset variable", []string{"-client", "app=env:CLIENTCREDS_TEST_UNSET"}, "$CLIENTCREDS_TEST_UNSET is empty or unset"},
		{"client registered twice", []string{"-client", "a=1", "-client", "a=2"}, `client "a" registered twice`},
		{"private key given as public", []string{"-client-key", "app=" + privateKey}, "-client-key app: " + privateKey},
		{"key file missing", []string{"-client-key", "app=" + filepath.Join(dir, "none.pem")}, "-client-key app:"},
		{"bad body", []string{"-body", "xml"}, `-body "xml"`},
		{"bad fail status", []string{"-fail-5xx", "1", "-fail-status", "404"}, "-fail-status 404"},
		{"bad auth method", []string{"-auth-methods", "tls_client_auth"}, "-auth-methods"},
		{"bad address", []string{"-addr", "8080"}, `-addr "8080"`},
		{"port in use", []string{"-addr", busy.Addr().String()}, "-addr " + busy.Addr().String() + ": bind: address already in use"},
		{"unwritable env file", []string{"-env-file", filepath.Join(dir, "no", "dir", "x.env")}, "-env-file:"},
	}
	cases = append(cases, struct {
		name string
		args []string
		want string
	}{"unreadable config", []string{"-config", unreadable}, "-config: " + unreadable + ": permission denied"})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "unreadable config" && os.Geteuid() == 0 {
				t.Skip("root reads a mode 000 file: run as another user to see this refusal")
			}
			args := c.args
			if c.name != "unwritable env file" {
				args = append(args, "-env-file", env)
			}
			stdout, stderr := runRefused(t, args...)
			line := stderr.String()
			if strings.Count(line, "\n") != 1 || !strings.HasPrefix(line, name+": ") || !strings.Contains(line, c.want) {
				t.Errorf("stderr %q; want one line naming %q", line, c.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q; want nothing", stdout.String())
			}
			if _, err := os.Stat(env); err == nil {
				t.Errorf("the env file was written")
			}
		})
	}
}

// A mistyped -client must not put its secret on stderr, which is often a
// public CI log: neither the flag's value nor a stray argument after it is
// echoed, and the line says what form is wanted.
func TestMistypedClientHidesSecret(t *testing.T) {
	const secret = "Zq7sEcr3tVal"
	cases := []struct {
		name string
		args []string
	}{
		{"colon for =", []string{"-client", "ci:" + secret}},
		{"space for =, one argument", []string{"-client", "ci " + secret}},
		{"space for =, two arguments", []string{"-client", "ci", secret}},
		{"flag name forgotten", []string{"ci=" + secret}},
		{"colon for =, registered twice", []string{"-client", "ci:" + secret, "-client", "ci:" + secret, "-client-key", "ci:" + secret + "=none.pem"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr := runRefused(t, c.args...)
			if out := stdout.String() + stderr.String(); strings.Contains(out, secret) {
				t.Errorf("the secret is in the output: %q", out)
			}
			if !strings.Contains(stderr.String(), "-client ID=SECRET") {
				t.Errorf("stderr %q; want it to name the form -client ID=SECRET", stderr.String())
			}
		})
	}
}

// runRefused runs the server with args and wants it to refuse them: exit
// status 2.
func runRefused(t *testing.T, args ...string) (stdout, stderr *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, stderr = new(bytes.Buffer), new(bytes.Buffer)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v; want status 2 (stderr %q)", err, stderr.String())
	}
	return stdout, stderr
}

func TestHelp(t *testing.T) {
	out, err := exec.Command(bin, "-help").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-issuer-path", "-rate-limit", "-revoke-older", "-env-file", `"faults"`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("-help lacks %s", want)
		}
	}
}

// A run as CI uses it: start, read the env file, get a token with a JSON
// body (Epicollect5's style, numeric client id), see the faults and stats,
// stop with SIGTERM.
func TestServeAndStop(t *testing.T) {
	dir := t.TempDir()
	env, issuerFile, cfg := filepath.Join(dir, "server.env"), filepath.Join(dir, "issuer"), filepath.Join(dir, "config.json")
	must(t, os.WriteFile(cfg, []byte(`{"issuer_path":"/identity","token_lifetime":"2h",
		"clients":[{"id":"1234","secret_env":"TEST_SECRET","scopes":["read"]}],
		"faults":{"too_many_requests":1,"retry_after":"7s","revoke_older":true}}`), 0o600))
	cmd := exec.Command(bin, "-config", cfg, "-env-file", env, "-issuer-file", issuerFile)
	cmd.Env = append(os.Environ(), "TEST_SECRET=s3cr'et")
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	must(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill() }()
	issuer, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no issuer on stdout: %v; stderr %s", err, stderr.String())
	}
	issuer = strings.TrimSpace(issuer)
	if !strings.HasPrefix(issuer, "http://127.0.0.1:") || !strings.HasSuffix(issuer, "/identity") {
		t.Fatalf("issuer %q", issuer)
	}
	if b, err := os.ReadFile(issuerFile); err != nil || strings.TrimSpace(string(b)) != issuer {
		t.Errorf("issuer file %q (%v)", b, err)
	}
	vars := sourceEnv(t, env)
	if vars["CLIENTCREDS_ISSUER"] != issuer || vars["CLIENTCREDS_CLIENT_ID"] != "1234" || vars["CLIENTCREDS_CLIENT_SECRET"] != "s3cr'et" ||
		vars["CLIENTCREDS_TOKEN_URL"] != issuer+"/token" {
		t.Errorf("env file: %v", vars)
	}

	body := `{"grant_type":"client_credentials","client_id":1234,"client_secret":"s3cr'et","scope":"read"}`
	token := func() (int, string, map[string]any) {
		resp, err := http.Post(vars["CLIENTCREDS_TOKEN_URL"], "application/vnd.api+json", strings.NewReader(body))
		must(t, err)
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, resp.Header.Get("Retry-After"), m
	}
	if status, ra, _ := token(); status != 429 || ra != "7" {
		t.Errorf("first request: %d, Retry-After %q; want 429, 7", status, ra)
	}
	status, _, m := token()
	if status != 200 || m["expires_in"] != float64(7200) {
		t.Errorf("second request: %d %v", status, m)
	}
	first, _ := m["access_token"].(string)
	token()
	if api(t, vars["CLIENTCREDS_API_URL"], first) != 401 {
		t.Errorf("the older token still works after a newer one (revoke_older)")
	}
	resp, err := http.Get(vars["CLIENTCREDS_STATS_URL"])
	must(t, err)
	var st struct {
		TokenRequests int `json:"token_requests"`
		ByClient      map[string]struct {
			TokensIssued int `json:"tokens_issued"`
		} `json:"by_client"`
	}
	must(t, json.NewDecoder(resp.Body).Decode(&st))
	resp.Body.Close()
	if st.TokenRequests != 3 || st.ByClient["1234"].TokensIssued != 2 {
		t.Errorf("stats %+v", st)
	}

	must(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v; stderr %s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30 s after SIGTERM")
	}
	if !strings.Contains(stderr.String(), "stopped after 3 token requests (2 tokens issued, 0 refused, 1 faults)") {
		t.Errorf("stderr: %s", stderr.String())
	}
	for _, f := range []string{env, issuerFile} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s left behind", f)
		}
	}
	if strings.Contains(stderr.String(), "WARNING") {
		t.Errorf("warned on loopback: %s", stderr.String())
	}
}

// Told to listen beyond loopback, it says so loudly (and still serves).
func TestWarnsBeyondLoopback(t *testing.T) {
	cmd := exec.Command(bin, "-addr", "0.0.0.0:0")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	_, err = bufio.NewReader(stdout).ReadString('\n')
	// Wait returns once stderr is copied whole: the warning, written before
	// the issuer, is then there to read.
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if want := "WARNING: " + name + " listens on 0.0.0.0:0"; !strings.Contains(stderr.String(), want) {
		t.Errorf("no warning: %s", stderr.String())
	}
}

// syncBuffer is a bytes.Buffer a running command writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sourceEnv reads the env file through sh, as a CI step would.
func sourceEnv(t *testing.T, file string) map[string]string {
	t.Helper()
	out, err := exec.Command("sh", "-c", `. "$1" && env`, "sh", file).Output()
	must(t, err)
	vars := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(k, "CLIENTCREDS_") {
			vars[k] = v
		}
	}
	return vars
}

func api(t *testing.T, url, token string) int {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A client with a public key alone (-client-key ID=PEMFILE, a PUBLIC KEY or
// a CERTIFICATE block) is registered; the env file then has no secret.
func TestKeyOnlyClient(t *testing.T) {
	dir := t.TempDir()
	key, _ := testpki.ECKey(t)
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	must(t, err)
	pub := filepath.Join(dir, "signer.pub.pem")
	must(t, os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600))
	env := filepath.Join(dir, "server.env")
	cmd := exec.Command(bin, "-client-key", "signer="+pub, "-env-file", env)
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	must(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatalf("did not start: %v; stderr %s", err, stderr.String())
	}
	vars := sourceEnv(t, env)
	if vars["CLIENTCREDS_CLIENT_ID"] != "signer" || vars["CLIENTCREDS_CLIENT_SECRET"] != "" {
		t.Errorf("env file: %v", vars)
	}
}
