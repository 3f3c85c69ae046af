package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
)

// A token from clientcreds_token exchanged, with client authentication (as
// Keycloak's standard token exchange wants), for a token for a second
// audience: every parameter reaches the server, and the results come back.
func TestAccTokenExchangeChain(t *testing.T) {
	srv := startServer(t, authserver.Options{IssuerPath: "/identity"})
	accTest(t, []resource.TestStep{{
		Config: client1HCL(`data "clientcreds_token" "first"`, "issuer", srv.Issuer) +
			client1HCL(`data "clientcreds_token_exchange" "orders"`, "issuer", srv.Issuer, "subject_token = data.clientcreds_token.first.access_token",
				`subject_token_type = "access_token"`, `requested_token_type = "access_token"`, `audience = "orders-api"`, `scopes = ["orders.read"]`),
		ConfigStateChecks: []statecheck.StateCheck{
			stateIs("data.clientcreds_token_exchange.orders", "access_token", issuedBy(srv)),
			stateString("data.clientcreds_token_exchange.orders", "issued_token_type", "urn:ietf:params:oauth:token-type:access_token"),
			stateString("data.clientcreds_token_exchange.orders", "token_type", "Bearer"),
			stateString("data.clientcreds_token_exchange.orders", "auth_method", "client_secret_basic"),
			stateString("data.clientcreds_token_exchange.orders", "expires_at", "2026-11-23T00:00:00Z"),
		},
		Check: func(*terraform.State) error {
			reqs := srv.TokenRequests()
			first, exchange := reqs[0], reqs[len(reqs)-1]
			want := map[string]string{"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
				"subject_token_type": "urn:ietf:params:oauth:token-type:access_token", "requested_token_type": "urn:ietf:params:oauth:token-type:access_token",
				"audience": "orders-api", "scope": "orders.read"}
			for k, v := range want {
				if got := exchange.Params.Get(k); got != v {
					return fmt.Errorf("%s = %q; want %q", k, got, v)
				}
			}
			if exchange.Error != "" || first.Params.Get("grant_type") != "client_credentials" || len(reqs) != 2 {
				return fmt.Errorf("%d requests; the exchange was refused: %s", len(reqs), exchange.Error)
			}
			if !srv.Issued(exchange.Params.Get("subject_token")) {
				return fmt.Errorf("the subject token is not the first token")
			}
			return nil
		},
	}})
}

// Google Cloud workload identity federation from GitHub Actions, as the
// ephemeral resource: the job's identity token is exchanged with no client
// authentication, for a token that reaches a provisioner; neither token is
// in the state.
func TestAccTokenExchangeEphemeralFromGitHubActions(t *testing.T) {
	t.Parallel()
	const audience = "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/github"
	ci := startCI(t)
	srv := startServer(t, authserver.Options{AnonymousExchange: true, Now: time.Now,
		Subjects: &authserver.Federation{Issuer: ciserver.GitHubIssuer, Subject: ciserver.GitHubSubject, Audience: audience, JWKSURL: ci.JWKSURL()}})
	seen := seenFile(t)
	c := newCLI(t, "1.10.0", fmt.Sprintf(`
ephemeral "clientcreds_token_exchange" "gcp" {
  token_url                  = %q
  workload_identity          = "github_actions"
  workload_identity_audience = %q
  audience                   = %[2]q
  requested_token_type       = "access_token"
  scopes                     = ["https://www.googleapis.com/auth/cloud-platform"]
}
`, srv.TokenURL(), audience)+execHCL(`printf '%s %s' "$TOKEN" "$METHOD" > "$OUT"`, seen, map[string]string{
		"TOKEN": "ephemeral.clientcreds_token_exchange.gcp.access_token", "METHOD": "ephemeral.clientcreds_token_exchange.gcp.auth_method"}))
	c.run(ci.GitHubEnv(), "apply", "-auto-approve", "-input=false", "-no-color")
	for _, r := range srv.TokenRequests() {
		if r.Error != "" || r.Params.Get("client_id") != "" || r.Header.Get("Authorization") != "" {
			t.Fatalf("the exchange was refused (%s) or carried client authentication", r.Error)
		}
	}
	issued := srv.IssuedTokens()
	if len(issued) != 2 || len(ci.Issued()) != 2 {
		t.Fatalf("%d exchanged and %d identity tokens for plan and apply; want 2 and 2", len(issued), len(ci.Issued()))
	}
	if got := strings.Fields(readSeen(t, seen)); len(got) != 2 || got[0] != issued[1] || got[1] != "none" {
		t.Errorf("the provisioner did not see the apply-time token with auth_method none")
	}
	secrets := map[string]string{"request token": ciserver.RequestToken}
	for i, tok := range append(issued, ci.Issued()...) {
		secrets[fmt.Sprintf("token %d", i+1)] = tok
	}
	assertAbsent(t, "terraform.tfstate", c.read("terraform.tfstate"), secrets)
}

// What the exchange needs is checked at validate, on both kinds.
func TestValidateTokenExchange(t *testing.T) {
	runValidateCases(t, "clientcreds_token_exchange", map[string]tftypes.Value{"token_url": str("https://sts.example/v1/token")}, []validateCase{
		{"no client, a subject", map[string]tftypes.Value{"subject_token_env": str("CI_TOKEN")}, "", "", ""},
		{"no subject", map[string]tftypes.Value{}, "subject_token", "Invalid Token Exchange",
			"Set exactly one of subject_token, subject_token_file, subject_token_env and workload_identity."},
		{"two subjects", map[string]tftypes.Value{"subject_token": str("s"), "workload_identity": str("github_actions")}, "workload_identity",
			"Conflicting Arguments", "Set only one of subject_token, subject_token_file, subject_token_env and workload_identity"},
		{"actor without a type", map[string]tftypes.Value{"subject_token": str("s"), "actor_token": str("a")}, "actor_token_type",
			"Invalid Token Exchange", "An actor token needs actor_token_type (RFC 8693 §2.1)."},
		{"client without credentials", map[string]tftypes.Value{"subject_token": str("s"), "client_id": str("svc")}, "client_secret",
			"Invalid Client Authentication", `The auth_method "client_secret_basic" needs client_secret, client_secret_file or client_secret_env.`},
		{"actor from a workload identity, typed jwt by default", map[string]tftypes.Value{"subject_token": str("s"),
			"actor_workload_identity": str("github_actions"), "actor_workload_identity_audience": str("actor-api")}, "", "", ""},
		{"actor workload identity beside actor_token", map[string]tftypes.Value{"subject_token": str("s"), "actor_token": str("a"),
			"actor_token_type": str("jwt"), "actor_workload_identity": str("github_actions")}, "actor_workload_identity",
			"Conflicting Arguments", "Set only one of actor_token, actor_token_file, actor_token_env and actor_workload_identity"},
		{"actor workload identity's own rules", map[string]tftypes.Value{"subject_token": str("s"), "actor_workload_identity": str("aws")},
			"actor_workload_identity_audience", "Invalid Token Exchange", "The aws identity token needs actor_workload_identity_audience"},
	})
}

// The chain the issue names: a GitHub Actions job with no secret gets a
// federated clientcreds_token, and exchanges it for a second audience with a
// client secret read from a variable. Through real Terraform; no identity
// token, request token or secret in the state or the saved plan.
func TestAccTokenExchangeFederatedChain(t *testing.T) {
	t.Parallel()
	ci := startCI(t)
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", Now: time.Now,
		AuthMethods: []string{"client_assertion", "client_secret_basic"},
		Clients:     map[string]string{"gateway": testSecret},
		Federated: map[string]authserver.Federation{"app-1": {Issuer: ciserver.GitHubIssuer, Subject: ciserver.GitHubSubject,
			Audience: "api://AzureADTokenExchange", JWKSURL: ci.JWKSURL()}}})
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
data "clientcreds_token" "federated" {
  issuer                     = %[1]q
  client_id                  = "app-1"
  workload_identity          = "github_actions"
  workload_identity_audience = "api://AzureADTokenExchange"
}
data "clientcreds_token_exchange" "inventory" {
  issuer             = %[1]q
  client_id          = "gateway"
  client_secret_env  = "GATEWAY_SECRET"
  subject_token      = data.clientcreds_token.federated.access_token
  subject_token_type = "access_token"
  audience           = "inventory-api"
}
output "issued_token_type" {
  value = data.clientcreds_token_exchange.inventory.issued_token_type
}
`, srv.Issuer))
	env := append(ci.GitHubEnv(), "GATEWAY_SECRET="+testSecret)
	_, planJSON, out := c.planApply(env)
	reqs := srv.TokenRequests()
	if len(reqs) != 2 || reqs[0].AuthMethod != "client_assertion" || reqs[1].Params.Get("audience") != "inventory-api" ||
		reqs[1].Params.Get("subject_token") != srv.IssuedTokens()[0] {
		t.Fatalf("want a federated token request, then its token exchanged for inventory-api; got %d requests", len(reqs))
	}
	for _, r := range reqs {
		if r.Error != "" {
			t.Fatalf("refused: %s", r.Error)
		}
	}
	if !strings.Contains(out, `issued_token_type = "urn:ietf:params:oauth:token-type:access_token"`) {
		t.Errorf("issued_token_type not reported:\n%s", out)
	}
	secrets := map[string]string{"request token": ciserver.RequestToken, "identity token": ci.Issued()[0], "gateway secret": testSecret}
	assertAbsent(t, "terraform.tfstate", c.read("terraform.tfstate"), secrets)
	assertAbsent(t, "terraform show -json of the saved plan", planJSON, secrets)
}

// Delegation from a GitHub Actions job (RFC 8693 §1.1): the subject is a
// token the job holds, the actor the job's own identity token, fetched from
// the platform for the request and sent typed as a jwt. The authorization
// server receives the actor token exactly as the CI server issued it, for
// the actor's audience; it is in neither the state nor the saved plan.
func TestAccTokenExchangeActorFromGitHubActions(t *testing.T) {
	t.Parallel()
	ci := startCI(t)
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", Now: time.Now, Clients: map[string]string{"svc": testSecret}})
	c := newCLI(t, "1.0.0", clientHCL(`data "clientcreds_token" "subject"`, "issuer", srv.Issuer, "svc", testSecret)+
		clientHCL(`data "clientcreds_token_exchange" "delegated"`, "issuer", srv.Issuer, "svc", testSecret,
			"subject_token = data.clientcreds_token.subject.access_token", `subject_token_type = "access_token"`,
			`actor_workload_identity = "github_actions"`, `actor_workload_identity_audience = "orders-actor"`, `audience = "orders-api"`)+`
output "issued_token_type" {
  value = data.clientcreds_token_exchange.delegated.issued_token_type
}
`)
	env := ci.GitHubEnv()
	_, planJSON, _ := c.planApply(env)
	reqs := srv.TokenRequests()
	if len(reqs) != 2 {
		t.Fatalf("%d token requests; want the subject's, then the exchange", len(reqs))
	}
	x := reqs[1]
	if x.Error != "" || x.Params.Get("grant_type") != "urn:ietf:params:oauth:grant-type:token-exchange" {
		t.Fatalf("the exchange was refused: %s", x.Error)
	}
	issued, asked := ci.Issued(), ci.Requests()
	if len(issued) != 1 || len(asked) != 1 || asked[0].Platform != "github_actions" || asked[0].Audience != "orders-actor" {
		var seen []string // platform and audience only: a request records its credential too
		for _, r := range asked {
			seen = append(seen, r.Platform+" "+r.Audience)
		}
		t.Fatalf("%d identity tokens issued for %q; want one, for the actor's audience orders-actor", len(issued), seen)
	}
	if x.Params.Get("actor_token") != issued[0] {
		t.Error("the authorization server did not receive the actor token the CI server issued")
	}
	if got := x.Params.Get("actor_token_type"); got != "urn:ietf:params:oauth:token-type:jwt" {
		t.Errorf("actor_token_type = %q; want the jwt URN, the default for a workload identity", got)
	}
	if x.Params.Get("subject_token") != srv.IssuedTokens()[0] {
		t.Error("the subject token is not the first token")
	}
	secrets := map[string]string{"request token": ciserver.RequestToken, "actor token": issued[0]}
	assertAbsent(t, "terraform.tfstate", c.read("terraform.tfstate"), secrets)
	assertAbsent(t, "terraform show -json of the saved plan", planJSON, secrets)
}
