package oauth

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const learnedSecret = "Learned-Zq7+4Yu/3Hj-disc"

// A discovery server that learned a secret the client knows puts it in
// standard fields, a list, an alias, an extra member (nested, and twice
// under one name): what Sanitized keeps holds it nowhere, URLs that held it
// are left out rather than mangled, everything else is kept, and the
// changed members are named.
func TestSanitizedMetadataDropsAnEchoedSecret(t *testing.T) {
	base, _ := odcLike(t, func(d map[string]any, base string) {
		d["jwks_uri"] = base + "/jwks?leak=" + url.QueryEscape(learnedSecret)
		d["scopes_supported"] = []string{"openid", "read:" + learnedSecret}
		d["mtls_endpoint_aliases"] = map[string]string{"token_endpoint": "https://mtls.example/token", "revocation_endpoint": "https://mtls.example/" + learnedSecret}
		d["x_debug"] = map[string]any{"last_request": "client_secret=" + url.QueryEscape(learnedSecret), "ok": 1}
		d["service_documentation"] = "https://docs.example/?s=" + strings.ToUpper(learnedSecret)
		d["op_policy_uri"] = "https://policy.example/"
	})
	c := newClient(t)
	c.Redact().Remember(learnedSecret) // read as client_secret_env by an earlier token request
	md, err := c.Discover(context.Background(), DiscoveryRequest{Issuer: base + "/identity"})
	if err != nil {
		t.Fatal(err)
	}
	safe := md.Sanitized(c.Redact())
	if want := []string{"jwks_uri", "mtls_endpoint_aliases", "scopes_supported", "service_documentation", "x_debug"}; !sameSet(safe.Changed, want) {
		t.Errorf("changed = %q, want %q", safe.Changed, want)
	}
	for _, text := range []string{safe.Raw, mustJSON(safe.Metadata)} {
		if strings.Contains(strings.ToLower(text), strings.ToLower(learnedSecret)) || strings.Contains(text, url.QueryEscape(learnedSecret)) {
			t.Errorf("the secret survives: %s", text)
		}
	}
	if safe.JWKSURI != "" {
		t.Errorf("a URL holding the secret was kept as %q", safe.JWKSURI)
	}
	if safe.TokenEndpoint != base+"/identity/connect/token" || safe.Issuer != base+"/identity" {
		t.Errorf("clean URLs changed: %q %q", safe.TokenEndpoint, safe.Issuer)
	}
	if !slices.Equal(safe.ScopesSupported, []string{"openid", "read:[redacted]"}) {
		t.Errorf("scopes_supported = %q", safe.ScopesSupported)
	}
	if a := safe.MTLSEndpointAliases; a["token_endpoint"] != "https://mtls.example/token" || len(a) != 1 {
		t.Errorf("mtls_endpoint_aliases = %q", a)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(safe.Raw), &doc); err != nil {
		t.Fatalf("raw is not JSON: %v\n%s", err, safe.Raw)
	}
	if doc["op_policy_uri"] != "https://policy.example/" || doc["service_documentation"] != nil || doc["jwks_uri"] != nil {
		t.Errorf("raw members: %v", doc)
	}
	if x, _ := doc["x_debug"].(map[string]any); x["ok"] != 1.0 || x["last_request"] != "client_secret=[redacted]" {
		t.Errorf("x_debug = %v", doc["x_debug"])
	}
	// The cached document the token request uses is untouched.
	if !strings.Contains(md.JWKSURI, "leak=") {
		t.Error("Sanitized changed the document it was given")
	}
}

// A member named twice is seen twice, a JWT is redacted whoever issued it,
// and a member whose name holds the secret is left out unnamed.
func TestSanitizedMetadataSeesEveryMember(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVl"
	raw := `{"issuer":"https://idp.example","token_endpoint":"https://idp.example/token",` +
		`"x_note":"` + learnedSecret + `","x_note":"fine",` +
		`"signed_metadata":"` + jwt + `",` +
		`"` + learnedSecret + `":"value"}`
	md, err := parseMetadata([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	c.Redact().Remember(learnedSecret)
	safe := md.Sanitized(c.Redact())
	if want := []string{"x_note", "signed_metadata", "a member whose name held a credential"}; !slices.Equal(safe.Changed, want) {
		t.Errorf("changed = %q, want %q", safe.Changed, want)
	}
	if strings.Contains(safe.Raw, learnedSecret) || strings.Contains(safe.Raw, jwt) {
		t.Errorf("raw keeps a credential: %s", safe.Raw)
	}
	if !strings.HasPrefix(safe.Raw, `{"issuer":"https://idp.example","token_endpoint":"https://idp.example/token","x_note":"[redacted]","x_note":"fine"`) {
		t.Errorf("raw is not re-serialised in the server's order: %s", safe.Raw)
	}
}

// A document that holds nothing to remove is kept as the server sent it.
func TestSanitizedMetadataKeepsACleanDocument(t *testing.T) {
	base, _ := odcLike(t, func(d map[string]any, _ string) {
		d["scopes_supported"] = []string{"openid", "https://graph.microsoft.com/.default", "api://4a1b2c3d/.default"}
		d["mtls_endpoint_aliases"] = map[string]string{"token_endpoint": "https://[::abcd]:8443/token"}
	})
	c := newClient(t)
	c.Redact().Remember(learnedSecret)
	md, err := c.Discover(context.Background(), DiscoveryRequest{Issuer: base + "/identity"})
	if err != nil {
		t.Fatal(err)
	}
	safe := md.Sanitized(c.Redact())
	if len(safe.Changed) != 0 || safe.Metadata != md {
		t.Errorf("a clean document was changed: %q\n%s", safe.Changed, safe.Raw)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// The document's own URLs are not registered as credentials when they are
// checked: a token_endpoint with an id-like query value is kept.
func TestSanitizedMetadataKeepsTheServersOwnQueryValues(t *testing.T) {
	base, _ := odcLike(t, func(d map[string]any, base string) {
		d["token_endpoint"] = base + "/identity/connect/token?p=B2C_1_signupsignin2024"
	})
	c := newClient(t)
	md, err := c.Discover(context.Background(), DiscoveryRequest{Issuer: base + "/identity"})
	if err != nil {
		t.Fatal(err)
	}
	if safe := md.Sanitized(c.Redact()); len(safe.Changed) != 0 || safe.TokenEndpoint != md.TokenEndpoint {
		t.Errorf("the server's own token_endpoint was taken for a credential: %q %q", safe.Changed, safe.TokenEndpoint)
	}
}

// A document with more strings than the sanitiser checks is kept out whole,
// quickly, rather than checked for many seconds.
func TestSanitizedMetadataBoundsTheWork(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"issuer":"https://idp.example","token_endpoint":"https://idp.example/t","x":[`)
	for i := range maxDocStrings {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"aB3%41+x/Y="`)
	}
	b.WriteString(`]}`)
	md, err := parseMetadata([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	c.Redact().Remember(learnedSecret)
	safe := md.Sanitized(c.Redact())
	if len(safe.Changed) != 1 || !strings.Contains(safe.Changed[0], "the whole document") || safe.Raw != "" || safe.TokenEndpoint != "" {
		t.Errorf("an oversized document was kept: %q, %d bytes of raw", safe.Changed, len(safe.Raw))
	}
}

// Azure AD B2C names its user flow in the discovery URL's query
// (?p=B2C_1_signupsignin2024) and repeats it, lower-cased, in the endpoints
// of the document: a public name, not a credential. Sanitized keeps those
// endpoints, and a server's text that quotes the name is shown.
func TestDiscoverB2CPolicyQueryIsNoCredential(t *testing.T) {
	const policy = "B2C_1_signupsignin2024"
	base, _ := odcLike(t, func(d map[string]any, base string) {
		d["token_endpoint"] = base + "/identity/oauth2/v2.0/token?p=" + strings.ToLower(policy)
	})
	c := newClient(t)
	md, err := c.Discover(context.Background(), DiscoveryRequest{
		DiscoveryURL:    base + "/identity/.well-known/openid-configuration?p=" + policy,
		SkipIssuerCheck: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	safe := md.Sanitized(c.Redact())
	if want := base + "/identity/oauth2/v2.0/token?p=" + strings.ToLower(policy); safe.TokenEndpoint != want {
		t.Errorf("token_endpoint = %q, want %q (changed %q)", safe.TokenEndpoint, want, safe.Changed)
	}
	if msg := "unknown policy " + policy; c.Redact().Sanitize(msg, 0) != msg {
		t.Errorf("a message naming the policy became %q", c.Redact().Sanitize(msg, 0))
	}
}

// The same after a token request to the discovered endpoint: the URL a
// server published is not the user's, and its query values stay public
// names when a request checks it, so a later discovery read keeps its
// endpoints and a message naming the policy is shown.
func TestDiscoveredTokenEndpointQueryIsNoCredential(t *testing.T) {
	const policy = "B2C_1_signupsignin2024"
	base, _ := odcLike(t, func(d map[string]any, base string) {
		d["token_endpoint"] = base + "/identity/oauth2/v2.0/token?p=" + strings.ToLower(policy)
	})
	c := newClient(t)
	md, err := c.Discover(context.Background(), DiscoveryRequest{Issuer: base + "/identity"})
	if err != nil {
		t.Fatal(err)
	}
	// The server answers 404: the request's URL check is what matters.
	_, _ = c.Token(context.Background(), TokenRequest{TokenURL: md.TokenEndpoint, ClientID: "a", ClientSecret: Inline(testSecret), NoShare: true})
	if safe := md.Sanitized(c.Redact()); safe.TokenEndpoint != md.TokenEndpoint {
		t.Errorf("after a token request, token_endpoint became %q (changed %q)", safe.TokenEndpoint, safe.Changed)
	}
	if msg := "unknown policy " + strings.ToLower(policy); c.Redact().Sanitize(msg, 0) != msg {
		t.Errorf("a message naming the policy became %q", c.Redact().Sanitize(msg, 0))
	}
}

// A password in a discovery URL's user information is still a credential.
func TestDiscoverURLPasswordRemembered(t *testing.T) {
	c := newClient(t)
	_, _ = c.Discover(context.Background(), DiscoveryRequest{DiscoveryURL: "https://user:Pw-Zq7+4Yu3Hj@127.0.0.1:1/x"})
	if !c.Redact().Literal().Contains([]byte("Pw-Zq7+4Yu3Hj")) {
		t.Error("the discovery URL's password was not registered")
	}
}
