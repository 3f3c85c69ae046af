package provider

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// A token endpoint that echoes the request back in every OAuth field, with
// terminal escapes and CI workflow commands thrown in: terraform's output
// and its trace log hold neither the secret, in any encoding, nor a control
// sequence.
func TestAccEchoingServerLeaksNothing(t *testing.T) {
	t.Parallel()
	const secret = `Zq7+4Yu/3Hj&Pa/Sd5-acc`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		sent := form.Get("client_secret")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"error":             "invalid_client",
			"error_description": "\x1b[2JInvalid client secret '" + sent + "' in " + string(body) + "\n::add-mask::x\n::error::forged",
			"error_uri":         "https://idp.example/e?secret=" + url.QueryEscape(sent) + "&escaped=" + strings.ReplaceAll(sent, "/", `\/`),
		})
	}))
	t.Cleanup(srv.Close)
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
variable "client_secret" {
  type      = string
  sensitive = true
}
data "clientcreds_token" "t" {
  token_url     = "%s/token"
  client_id     = "client-1"
  client_secret = var.client_secret
  auth_method   = "client_secret_post"
}
`, srv.URL))
	trace := newTraceLog(t)
	out := c.runFail(trace.env("TF_VAR_client_secret="+secret),
		"plan", "-input=false", "-no-color")
	logText := trace.text()
	if !phrase("Token Request Failed").MatchString(out) || !strings.Contains(out, "[redacted]") {
		t.Fatalf("the failure is not reported with the secret redacted:\n%s", out)
	}
	secrets := map[string]string{"client secret": secret}
	assertAbsent(t, "terraform plan output", out, secrets)
	assertAbsent(t, "the trace log", string(logText), secrets)
	if strings.Contains(out, "\x1b") {
		t.Error("the output holds an escape sequence from the server")
	}
	for line := range strings.SplitSeq(out, "\n") {
		if l := strings.TrimLeft(line, "│ "); strings.HasPrefix(l, "::") {
			t.Errorf("a line of the output starts a workflow command: %q", line)
		}
	}
}

// A plain-http name under .localhost is not loopback: the request is
// refused, and the proxy HTTP_PROXY names never sees the credentials.
func TestAccDotLocalhostNeverReachesTheProxy(t *testing.T) {
	t.Parallel()
	proxy := startServer(t, authserver.Options{})
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
data "clientcreds_token" "t" {
  token_url     = "http://keycloak.localhost:8080/token"
  client_id     = "client-1"
  client_secret = %q
}`, testSecret))
	out := c.runFail([]string{"HTTP_PROXY=" + proxy.URL, "http_proxy=" + proxy.URL, "NO_PROXY=", "no_proxy="}, "plan", "-input=false", "-no-color")
	if n := len(proxy.TokenRequests()); n != 0 {
		t.Errorf("the proxy received %d token requests carrying the credentials", n)
	}
	if !phrase("not loopback").MatchString(out) {
		t.Errorf("the refusal does not say why:\n%s", out)
	}
}

// A token endpoint that copies the client secret, given as
// client_secret_env, into the scope and token_type it answers with: the
// state, the saved plan and the screen hold neither secret nor echo.
func TestAccSecretEchoedIntoServerFieldsNeverReachesState(t *testing.T) {
	t.Parallel()
	const secret = `Env-Zq7+4Yu/3Hj-Pa9Sd5-state`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		sent := form.Get("client_secret")
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "state-echo-token-value", "expires_in": 3600,
			"scope": "read " + sent, "token_type": "Bearer-" + strings.ToUpper(sent)})
	}))
	t.Cleanup(srv.Close)
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
data "clientcreds_token" "t" {
  token_url         = "%s/token"
  client_id         = "client-1"
  client_secret_env = "STATE_ECHO_SECRET"
  auth_method       = "client_secret_post"
}
output "scope" {
  value = data.clientcreds_token.t.scope
}
output "token_type" {
  value = data.clientcreds_token.t.token_type
}
`, srv.URL))
	env := []string{"STATE_ECHO_SECRET=" + secret}
	planOut, planJSON, applyOut := c.planApply(env)
	out := planOut + applyOut
	secrets := map[string]string{"client secret": secret, "upper-cased client secret": strings.ToUpper(secret)}
	assertAbsent(t, "terraform.tfstate", c.read("terraform.tfstate"), secrets)
	assertAbsent(t, "terraform show -json of the saved plan", planJSON, secrets)
	assertAbsent(t, "the screen", out, secrets)
	if !strings.Contains(c.read("terraform.tfstate"), `"client_secret_env": "STATE_ECHO_SECRET"`) {
		t.Error("the state does not name the variable")
	}
}
