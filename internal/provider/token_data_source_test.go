package provider

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

// The OutSystems ODC flow: discovery at a path-prefixed issuer, then a
// form-encoded POST to the discovered endpoint, and a 12-hour token.
func TestAccTokenODCFlow(t *testing.T) {
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", TokenPath: "/connect/token", FormOnly: true, ExpiresIn: 43200})
	accTest(t, []resource.TestStep{{
		Config: fmt.Sprintf(`
data "clientcreds_oidc_discovery" "odc" {
  issuer = %q
}
data "clientcreds_token" "odc" {
  token_url     = data.clientcreds_oidc_discovery.odc.token_endpoint
  client_id     = "client-1"
  client_secret = %q
}`, srv.Issuer, testSecret),
		ConfigStateChecks: []statecheck.StateCheck{
			stateString("data.clientcreds_oidc_discovery.odc", "token_endpoint", srv.Issuer+"/connect/token"),
			stateString("data.clientcreds_oidc_discovery.odc", "revocation_endpoint", srv.Issuer+"/revoke"),
			stateIs("data.clientcreds_oidc_discovery.odc", "grant_types_supported", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("client_credentials")})),
			stateIs("data.clientcreds_oidc_discovery.odc", "userinfo_endpoint", knownvalue.Null()),
			stateIs("data.clientcreds_token.odc", "access_token", issuedBy(srv)),
			stateIs("data.clientcreds_token.odc", "expires_in", knownvalue.Int64Exact(43200)),
			stateString("data.clientcreds_token.odc", "expires_at", testhelp.Now.Add(12*time.Hour).Format(time.RFC3339)),
			stateString("data.clientcreds_token.odc", "token_type", "Bearer"),
			stateString("data.clientcreds_token.odc", "auth_method", "client_secret_basic"),
			stateIs("data.clientcreds_token.odc", "scope", knownvalue.Null()),
		},
		Check: lastRequestWas(srv, "application/x-www-form-urlencoded", "client_secret_basic", "client-1"),
	}})
}

// The Epicollect5 flow: everything in a JSON body with the vnd.api content
// type, a numeric client ID, a server that refuses form bodies, 2-hour tokens.
func TestAccTokenEpicollect5Flow(t *testing.T) {
	srv := startServer(t, authserver.Options{
		TokenPath: "/api/oauth/token", JSONOnly: true, ExpiresIn: 7200,
		Clients: map[string]string{"153": testSecret},
	})
	cfg := func(format string) string {
		return fmt.Sprintf(`
data "clientcreds_token" "ec5" {
  token_url      = %q
  client_id      = "153"
  client_secret  = %q
  request_format = %q
  content_type   = "application/vnd.api+json"
}`, srv.TokenURL(), testSecret, format)
	}
	accTest(t, []resource.TestStep{
		{
			// The same server refuses a form body: the error says so.
			Config:      strings.Replace(cfg("json"), `"json"`, `"form"`, 1),
			ExpectError: phrase("HTTP status: 400", "invalid_request"),
		},
		{
			Config: cfg("json"),
			ConfigStateChecks: []statecheck.StateCheck{
				stateIs("data.clientcreds_token.ec5", "access_token", issuedBy(srv)),
				stateIs("data.clientcreds_token.ec5", "expires_in", knownvalue.Int64Exact(7200)),
				stateString("data.clientcreds_token.ec5", "expires_at", testhelp.Now.Add(2*time.Hour).Format(time.RFC3339)),
				stateString("data.clientcreds_token.ec5", "auth_method", "client_secret_post"),
			},
			Check: lastRequestWas(srv, "application/vnd.api+json", "client_secret_post", "153"),
		},
	})
}

func TestAccTokenAuthMethods(t *testing.T) {
	basicOnly := startServer(t, authserver.Options{AuthMethods: []string{"client_secret_basic"}})
	postOnly := startServer(t, authserver.Options{AuthMethods: []string{"client_secret_post"}})
	cfg := func(url, method string) string {
		m := ""
		if method != "" {
			m = fmt.Sprintf("auth_method = %q", method)
		}
		return client1HCL(`data "clientcreds_token" "t"`, "token_url", url, m)
	}
	accTest(t, []resource.TestStep{
		{
			Config:      cfg(postOnly.TokenURL(), "client_secret_header"),
			ExpectError: phrase(`value must be one of`),
		},
		{
			// The default (basic) is refused by a post-only server: one
			// attempt, and the error names the method used and the other.
			Config: cfg(postOnly.TokenURL(), ""),
			ExpectError: phrase("Token Request Failed", "auth_method client_secret_basic", "HTTP status: 401",
				"invalid_client", `may expect auth_method "client_secret_post"`),
		},
		{
			PreConfig: func() {
				if n := len(postOnly.TokenRequests()); n != 1 {
					t.Errorf("the refused request was sent %d times; want once, never retried with another method", n)
				}
			},
			Config: cfg(basicOnly.TokenURL(), "client_secret_basic"),
			ConfigStateChecks: []statecheck.StateCheck{
				stateIs("data.clientcreds_token.t", "access_token", issuedBy(basicOnly)),
			},
		},
		{
			Config: cfg(postOnly.TokenURL(), "client_secret_post"),
			ConfigStateChecks: []statecheck.StateCheck{
				stateIs("data.clientcreds_token.t", "access_token", issuedBy(postOnly)),
			},
		},
	})
}

// Discovered metadata that lists only client_secret_post picks it by default.
func TestAccTokenIssuerDiscoversPostOnly(t *testing.T) {
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", AuthMethods: []string{"client_secret_post"}})
	accTest(t, []resource.TestStep{{
		Config: client1HCL(`data "clientcreds_token" "t"`, "issuer", srv.Issuer),
		ConfigStateChecks: []statecheck.StateCheck{
			stateString("data.clientcreds_token.t", "auth_method", "client_secret_post"),
			stateIs("data.clientcreds_token.t", "access_token", issuedBy(srv)),
		},
	}})
}

func TestAccTokenParametersReachServer(t *testing.T) {
	srv := startServer(t, authserver.Options{})
	accTest(t, []resource.TestStep{{
		Config: client1HCL(`data "clientcreds_token" "t"`, "token_url", srv.TokenURL(), `scopes = ["api://4f7c/.default", "read"]`,
			`audience = "https://api.example.com"`, `resource = ["https://r1.example.com", "https://r2.example.com"]`,
			`extra_params = { tenant = "t-42" }`, `headers = { "X-Correlation-Id" = "abc" }`),
		ConfigStateChecks: []statecheck.StateCheck{
			stateString("data.clientcreds_token.t", "scope", "api://4f7c/.default read"),
		},
		Check: func(*terraform.State) error {
			r, err := onlyRequest(srv)
			if err != nil {
				return err
			}
			p := r.Params
			if p.Get("scope") != "api://4f7c/.default read" || p.Get("audience") != "https://api.example.com" ||
				strings.Join(p["resource"], ",") != "https://r1.example.com,https://r2.example.com" ||
				p.Get("tenant") != "t-42" || r.Header.Get("X-Correlation-Id") != "abc" {
				return fmt.Errorf("server saw params %v, headers %v", p, r.Header)
			}
			return nil
		},
	}})
}

// The token is known at plan time and can configure another provider.
func TestAccTokenConfiguresAnotherProvider(t *testing.T) {
	srv := startServer(t, authserver.Options{})
	accTest(t, []resource.TestStep{{
		Config: tokenT(srv) + `
provider "echo" {
  data = "Bearer ${data.clientcreds_token.t.access_token}"
}
resource "echo" "api" {}
resource "terraform_data" "header" {
  input = "Bearer ${data.clientcreds_token.t.access_token}"
}
`,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			// Known in the plan, not "(known after apply)".
			PreApply: []plancheck.PlanCheck{
				plancheck.ExpectKnownValue("terraform_data.header", tfjsonpath.New("input"), bearerOf(srv)),
			},
		},
		// Each plan reads a fresh token, so what depends on it changes.
		ExpectNonEmptyPlan: true,
		ConfigStateChecks: []statecheck.StateCheck{
			// And it reached the other provider's configuration.
			stateIs("echo.api", "data", bearerOf(srv)),
		},
	}})
}

func TestAccTokenErrors(t *testing.T) {
	misbehaving := func(h http.HandlerFunc) string {
		return startServer(t, authserver.Options{TokenHandler: h}).TokenURL()
	}
	answer := func(status int, ct, body string) string {
		return misbehaving(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		})
	}
	stall := make(chan struct{})
	stalled := misbehaving(func(http.ResponseWriter, *http.Request) { <-stall })
	t.Cleanup(func() { close(stall) })
	mismatched := startServer(t, authserver.Options{IssuerPath: "/identity", IssuerOverride: "https://other.example/identity"})
	valid := startServer(t, authserver.Options{})

	cases := []struct {
		name, url, extra string
		want             []string
	}{
		{"wrong secret", valid.TokenURL(), `client_secret = "wrong"`,
			[]string{"Token Request Failed", "HTTP status: 401", "invalid_client", "Check client_id and client_secret"}},
		{"html 500", answer(500, "text/html", "<html><body><h1>Upstream exploded</h1></body></html>"), "",
			[]string{"after 2 attempts", "HTTP status: 500", "Upstream exploded"}},
		{"malformed json", answer(200, "application/json", `{"access_token": `), "", []string{"not valid JSON"}},
		{"missing access_token", answer(200, "application/json", `{"token_type":"Bearer","expires_in":3600}`), "", []string{"has no access_token"}},
		{"plain http", "http://idp.example.com/token", "", []string{"plain http://", "allow_insecure_http"}},
		{"never answers", stalled, "", []string{"no complete answer within the request timeout of 1s"}},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		secret := fmt.Sprintf("client_secret = %q", testSecret)
		if c.extra != "" {
			secret = c.extra
		}
		steps = append(steps, resource.TestStep{
			Config: fmt.Sprintf(`
provider "clientcreds" {
  request_timeout = "1s"
  max_retries     = 1
  retry_wait_min  = "100ms"
}
data "clientcreds_token" "t" {
  token_url = %q
  client_id = "client-1"
  %s
}`, c.url, secret),
			ExpectError: phrase(c.want...),
		})
	}
	steps = append(steps, resource.TestStep{
		Config:      client1HCL(`data "clientcreds_token" "t"`, "issuer", mismatched.Issuer),
		ExpectError: phrase("Discovery Failed", `"https://other.example/identity" does not match`, "skip_issuer_check"),
	})
	accTest(t, steps)
}

// A token that is not a Bearer token is handed back with its type, and the
// plan warns that it cannot be sent as "Authorization: Bearer".
func TestAccTokenTypeNotBearerWarns(t *testing.T) {
	t.Parallel()
	srv := startServer(t, authserver.Options{TokenHandler: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"dpop-bound-token","token_type":"DPoP","expires_in":300}`)
	}})
	c := newCLI(t, "1.0.0", tokenT(srv)+`
output "type" {
  value = data.clientcreds_token.t.token_type
}`)
	out := c.run(nil, "plan", "-input=false", "-no-color")
	if !phrase("Warning: Token Is Not a Bearer Token", `type "DPoP"`).MatchString(out) {
		t.Errorf("no warning for a DPoP token in:\n%s", out)
	}
	if !phrase(`type = "DPoP"`).MatchString(out) {
		t.Errorf("token_type not exposed:\n%s", out)
	}
}
