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
	// The credentials come from locals, so that Terraform's own excerpt of
	// the configuration, which it prints beside a diagnostic, shows only
	// their names.
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
locals {
  user = "acc-url-user"
  pw   = %q
  val  = %q
}
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
  issuer        = "https://${local.user}:${local.pw}@idp.example/%%zz?tenant=${local.val}"
  client_id     = "client-1"
  client_secret = "not-the-point"
}
data "clientcreds_oidc_discovery" "issuer" {
  issuer = "${local.user}:${local.pw}@idp.example/identity?tenant=${local.val}"
}
data "clientcreds_oidc_discovery" "discovery_url" {
  discovery_url = "https://${local.user}:${local.pw}/x@idp.example/.well-known/openid-configuration?x=${local.val}"
}
`, pw, val))
	out := c.runFail(nil, "plan", "-input=false", "-no-color")
	if n := strings.Count(out, "Invalid URL"); n != 5 {
		t.Errorf("%d Invalid URL diagnostics, want 5:\n%s", n, out)
	}
	for _, want := range []string{`https://idp.example:port/token?key=…`, `idp.example/token?client_secret=…`,
		`https://idp.example/%zz?tenant=…`, `idp.example/identity?tenant=…`, `https://…@idp.example/.well-known/openid-configuration?x=…`} {
		if !strings.Contains(out, want) {
			t.Errorf("no diagnostic quotes %s:\n%s", want, out)
		}
	}
	assertAbsent(t, "terraform plan output", out, map[string]string{"URL password": pw, "query value": val})
	if strings.Contains(out, "acc-url-user") {
		t.Errorf("a diagnostic quotes the user information:\n%s", out)
	}
}

// The same for the proxy's upstream and revocation_url, arguments of an
// ephemeral resource.
func TestAccURLDiagnosticsQuoteNoCredentialsEphemeral(t *testing.T) {
	t.Parallel()
	const pw, val = "Acc-Url-Pw-5mz2", "Acc-Qv-9yT4pd"
	c := newCLI(t, "1.10.0", fmt.Sprintf(`
locals {
  user = "acc-url-user"
  pw   = %q
  val  = %q
}
ephemeral "clientcreds_proxy" "p" {
  token_url      = "https://idp.example/token"
  client_id      = "client-1"
  client_secret  = "not-the-point"
  upstream       = "https://${local.user}:${local.pw}@api.example:port/v1?key=${local.val}"
  revocation_url = "api.example/revoke?token=${local.val}"
}
`, pw, val))
	out := c.runFail(nil, "plan", "-input=false", "-no-color")
	if n := strings.Count(out, "Invalid URL"); n != 2 {
		t.Errorf("%d Invalid URL diagnostics, want 2:\n%s", n, out)
	}
	for _, want := range []string{`https://api.example:port/v1?key=…`, `api.example/revoke?token=…`} {
		if !strings.Contains(out, want) {
			t.Errorf("no diagnostic quotes %s:\n%s", want, out)
		}
	}
	assertAbsent(t, "terraform plan output", out, map[string]string{"URL password": pw, "query value": val})
	if strings.Contains(out, "acc-url-user") {
		t.Errorf("a diagnostic quotes the user information:\n%s", out)
	}
}
