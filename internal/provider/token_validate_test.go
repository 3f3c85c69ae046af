package provider

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

// What can be checked without the network is checked at terraform validate,
// on both kinds alike, and each error points at the argument to change.
func TestValidateBlamesTheArgumentToChange(t *testing.T) {
	_, ecPEM := testpki.ECKey(t)
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	must(t, os.WriteFile(keyFile, ecPEM, 0o600))
	shortFile := filepath.Join(t.TempDir(), "short")
	must(t, os.WriteFile(shortFile, []byte("short-secret"), 0o600))
	base := map[string]tftypes.Value{"token_url": str("https://idp.example/token"), "client_id": str("svc")}
	runValidateCases(t, "clientcreds_token", base, []validateCase{
		{"client secret", map[string]tftypes.Value{"client_secret": str("s")}, "", "", ""},
		{"private_key_jwt without a key", map[string]tftypes.Value{"auth_method": str("private_key_jwt")},
			"auth_method", "Invalid Client Authentication", `The auth_method "private_key_jwt" needs private_key_pem, private_key_file or private_key_env.`},
		{"client_secret unused by tls_client_auth", map[string]tftypes.Value{"auth_method": str("tls_client_auth"), "client_secret": str("s")},
			"client_secret", "Invalid Client Authentication", `The auth_method "tls_client_auth" does not use client_secret`},
		{"key_id without a key", map[string]tftypes.Value{"client_secret": str("s"), "key_id": str("k1")},
			"key_id", "Invalid Client Authentication", `The auth_method "client_secret_basic" does not use key_id`},
		{"key and algorithm mismatch", map[string]tftypes.Value{"private_key_pem": str(string(ecPEM)), "signing_algorithm": str("RS256")},
			"signing_algorithm", "Invalid Client Authentication", "RS256 does not fit an ECDSA key on curve P-256; use ES256."},
		{"key file and algorithm mismatch", map[string]tftypes.Value{"private_key_file": str(keyFile), "signing_algorithm": str("ES384")},
			"signing_algorithm", "Invalid Client Authentication", "use ES256."},
		{"key file not there yet: read when the token is requested", map[string]tftypes.Value{"private_key_file": str("/nonexistent/key.pem")}, "", "", ""},
		{"secret from a variable", map[string]tftypes.Value{"client_secret_env": str("MY_SECRET")}, "", "", ""},
		{"secret in two forms", map[string]tftypes.Value{"client_secret": str("s"), "client_secret_env": str("MY_SECRET")},
			"client_secret_env", "Conflicting Arguments", "Set only one of client_secret, client_secret_file and client_secret_env; this configuration sets client_secret and client_secret_env."},
		{"workload identity and an assertion", map[string]tftypes.Value{"workload_identity": str("github_actions"), "client_assertion_env": str("T")},
			"workload_identity", "Conflicting Arguments", "Set only one of client_assertion, client_assertion_file, client_assertion_env and workload_identity"},
		{"gcp_metadata without an audience", map[string]tftypes.Value{"workload_identity": str("gcp_metadata")},
			"workload_identity_audience", "Invalid Workload Identity", "needs workload_identity_audience"},
		{"azure_pipelines with an audience", map[string]tftypes.Value{"workload_identity": str("azure_pipelines"), "workload_identity_audience": str("x")},
			"workload_identity_audience", "Invalid Workload Identity", "api://AzureADTokenExchange only"},
		{"service connection for github", map[string]tftypes.Value{"workload_identity": str("github_actions"), "workload_identity_service_connection_id": str("x")},
			"workload_identity_service_connection_id", "Invalid Workload Identity", "used only by azure_pipelines."},
		{"workload identity with key_id", map[string]tftypes.Value{"workload_identity": str("github_actions"), "key_id": str("k")},
			"key_id", "Invalid Client Authentication", `The auth_method "client_assertion" does not use key_id`},
		{"short client_secret_jwt secret", map[string]tftypes.Value{"auth_method": str("client_secret_jwt"), "client_secret": str("short")},
			"client_secret", "Invalid Client Authentication", "at least 32 bytes"},
		{"short client_secret_jwt secret in a file", map[string]tftypes.Value{"auth_method": str("client_secret_jwt"), "client_secret_file": str(shortFile)},
			"client_secret_file", "Invalid Client Authentication", "at least 32 bytes"},
		{"key file that is not a key", map[string]tftypes.Value{"auth_method": str("private_key_jwt"), "private_key_file": str(shortFile)},
			"private_key_file", "Invalid Client Authentication", "The private key cannot be used"},
		{"ftp token_url", map[string]tftypes.Value{"token_url": str("ftp://idp.example/token"), "client_secret": str("s")},
			"token_url", "Invalid URL", `The token_url "ftp://idp.example/token" must use https://`},
		{"neither token_url nor issuer", map[string]tftypes.Value{"token_url": tftypes.NewValue(tftypes.String, nil), "client_secret": str("s")},
			"token_url", "Missing Argument", "Set exactly one of token_url and issuer."},
		{"token_url and issuer", map[string]tftypes.Value{"issuer": str("https://idp.example"), "client_secret": str("s")},
			"token_url", "Conflicting Arguments", "Set only one of token_url and issuer; this configuration sets both."},
		{"issuer from a variable: the credentials are still checked", map[string]tftypes.Value{"token_url": tftypes.NewValue(tftypes.String, nil),
			"issuer": tftypes.NewValue(tftypes.String, tftypes.UnknownValue), "auth_method": str("tls_client_auth"), "client_secret": str("s")},
			"client_secret", "Invalid Client Authentication", `The auth_method "tls_client_auth" does not use client_secret`},
		{"relative issuer", map[string]tftypes.Value{"token_url": tftypes.NewValue(tftypes.String, nil), "issuer": str("idp.example"), "client_secret": str("s")},
			"issuer", "Invalid URL", `The issuer "idp.example" is not an absolute URL.`},
		{"reserved extra_params", map[string]tftypes.Value{"client_secret": str("s"), "extra_params": strMap(map[string]string{"grant_type": "password"})},
			"extra_params", "Reserved Key", `The extra_params may not set "grant_type"; use the argument of that name.`},
		{"reserved header", map[string]tftypes.Value{"client_secret": str("s"), "headers": strMap(map[string]string{"authorization": "x"})},
			"headers", "Reserved Key", `The headers may not set "authorization"`},
	})
}

// validateCase is one configuration for terraform validate and what it
// must say.
type validateCase struct {
	name    string
	attrs   map[string]tftypes.Value
	arg     string // the attribute blamed; "" for no error
	summary string
	detail  string
}

// runValidateCases validates each case, base plus its attributes, on the
// data source and the ephemeral resource of typeName: no diagnostic, or one
// on the blamed attribute, in the project's style.
func runValidateCases(t *testing.T, typeName string, base map[string]tftypes.Value, cases []validateCase) {
	t.Helper()
	for _, tc := range cases {
		for _, ephemeral := range []bool{false, true} {
			kind := map[bool]string{false: "data source", true: "ephemeral"}[ephemeral]
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				attrs := maps.Clone(base)
				maps.Copy(attrs, tc.attrs)
				diags := validate(t, ephemeral, typeName, attrs)
				if tc.arg == "" {
					for _, d := range diags {
						t.Errorf("unexpected %s: %s", d.Summary, d.Detail)
					}
					return
				}
				if len(diags) != 1 {
					t.Fatalf("%d diagnostics; want 1: %v", len(diags), diagTexts(diags))
				}
				d := diags[0]
				if !d.Attribute.Equal(tftypes.NewAttributePath().WithAttributeName(tc.arg)) {
					t.Errorf("attached to %v; want %s", d.Attribute, tc.arg)
				}
				if d.Summary != tc.summary || !strings.Contains(d.Detail, tc.detail) {
					t.Errorf("got %q: %q; want %q containing %q", d.Summary, d.Detail, tc.summary, tc.detail)
				}
				assertDiagStyle(t, d)
			})
		}
	}
}

var mangledName = regexp.MustCompile(`\b[A-Z][a-z]+_[a-z_]+\b`)

// assertDiagStyle holds a diagnostic to the project's style: a short Title
// Case summary, a detail of full sentences, argument names as written.
func assertDiagStyle(t *testing.T, d *tfprotov6.Diagnostic) {
	t.Helper()
	for _, w := range strings.Fields(d.Summary) {
		if w[0] < 'A' || w[0] > 'Z' {
			if w != "a" && w != "an" && w != "the" && w != "of" && w != "to" && w != "for" {
				t.Errorf("summary %q is not in Title Case", d.Summary)
			}
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(d.Detail), ".") {
		t.Errorf("detail %q does not end with a period", d.Detail)
	}
	if m := mangledName.FindString(d.Detail); m != "" {
		t.Errorf("detail names %q: argument names are written as they are", m)
	}
}

func diagTexts(diags []*tfprotov6.Diagnostic) []string {
	var out []string
	for _, d := range diags {
		out = append(out, d.Summary+": "+d.Detail)
	}
	return out
}

// workload_identity = "" passes Required on the identity-token resource:
// validate names the platforms, as for any unsupported one, and does not
// fail on a missing source.
func TestValidateIdentityTokenWithEmptyPlatform(t *testing.T) {
	diags := validate(t, true, "clientcreds_workload_identity_token", map[string]tftypes.Value{"workload_identity": str("")})
	var found bool
	for _, d := range diags {
		if d.Summary == "Invalid Workload Identity" && strings.Contains(d.Detail, `The workload_identity "" is not supported; use one of`) {
			found = true
		}
	}
	if !found {
		t.Errorf("no unsupported-platform diagnostic: %v", diagTexts(diags))
	}
}
