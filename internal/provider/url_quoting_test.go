package provider

import (
	"fmt"
	"strings"
	"testing"
)

// A configured URL that cannot be used is quoted in the diagnostic without
// its password or the values of its query, whether url.Parse refuses it (and
// its error would repeat it whole) or not: token_url and issuer of
// clientcreds_token, issuer and discovery_url of clientcreds_oidc_discovery.
func TestAccURLDiagnosticsQuoteNoCredentials(t *testing.T) {
	t.Parallel()
	const pw, val = "Acc-Url-Pw-4kq9", "Acc-Qv-8zR1xw"
	c := newCLI(t, "1.0.0", urlLocals(pw, val)+`
data "clientcreds_token" "bad_port" {
  token_url     = "https://${local.user}:${local.pw}@idp.example:port/token?key=${local.val}"
  client_id     = "client-1"
  client_secret = "not-the-point"
}
data "clientcreds_token" "no_scheme" {
  token_url     = "idp.example/token?client_secret=${local.val}"
  client_id     = "client-1"
  client_secret = "not-the-point"
}
data "clientcreds_token" "issuer" {
  issuer        = "https://${local.user}:${local.pw}@idp.example/%zz?tenant=${local.val}"
  client_id     = "client-1"
  client_secret = "not-the-point"
}
data "clientcreds_oidc_discovery" "issuer" {
  issuer = "${local.user}:${local.pw}@idp.example/identity?tenant=${local.val}"
}
data "clientcreds_oidc_discovery" "discovery_url" {
  discovery_url = "https://${local.user}:${local.pw}/x@idp.example/.well-known/openid-configuration?x=${local.val}"
}
`)
	assertURLsQuoted(t, c, pw, val, `https://idp.example:port/token?key=…`, `idp.example/token?client_secret=…`,
		`https://idp.example/%zz?tenant=…`, `idp.example/identity?tenant=…`, `https://…@idp.example/.well-known/openid-configuration?x=…`)
}

// The same for the proxy's upstream and revocation_url, arguments of an
// ephemeral resource.
func TestAccURLDiagnosticsQuoteNoCredentialsEphemeral(t *testing.T) {
	t.Parallel()
	const pw, val = "Acc-Url-Pw-5mz2", "Acc-Qv-9yT4pd"
	c := newCLI(t, "1.10.0", urlLocals(pw, val)+`
ephemeral "clientcreds_proxy" "p" {
  token_url      = "https://idp.example/token"
  client_id      = "client-1"
  client_secret  = "not-the-point"
  upstream       = "https://${local.user}:${local.pw}@api.example:port/v1?key=${local.val}"
  revocation_url = "api.example/revoke?token=${local.val}"
}
`)
	assertURLsQuoted(t, c, pw, val, `https://api.example:port/v1?key=…`, `api.example/revoke?token=…`)
}

// urlLocals holds the user, password pw and query value val that the
// tests' URLs are built from: in locals, Terraform's own excerpt of the
// configuration, which it prints beside a diagnostic, shows only their
// names.
func urlLocals(pw, val string) string {
	return fmt.Sprintf("locals {\n  user = \"acc-url-user\"\n  pw   = %q\n  val  = %q\n}\n", pw, val)
}

// assertURLsQuoted runs a plan that must fail with one Invalid URL
// diagnostic for each of quoted, quoting it so, and with neither the
// password pw, the query value val nor the user anywhere in the output.
func assertURLsQuoted(t *testing.T, c *cli, pw, val string, quoted ...string) {
	t.Helper()
	out := c.runFail(nil, "plan", "-input=false", "-no-color")
	if n := strings.Count(out, "Invalid URL"); n != len(quoted) {
		t.Errorf("%d Invalid URL diagnostics, want %d:\n%s", n, len(quoted), out)
	}
	for _, want := range quoted {
		if !strings.Contains(out, want) {
			t.Errorf("no diagnostic quotes %s:\n%s", want, out)
		}
	}
	assertAbsent(t, "terraform plan output", out, map[string]string{"URL password": pw, "query value": val})
	if strings.Contains(out, "acc-url-user") {
		t.Errorf("a diagnostic quotes the user information:\n%s", out)
	}
}
