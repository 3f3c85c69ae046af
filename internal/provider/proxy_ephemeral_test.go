package provider

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// A long apply behind the proxy: a downstream provider, configured with
// the proxy's url as its API's base URL, calls the API every half second
// for eight seconds while the server's tokens live two; every call
// succeeds, the server issues at least three tokens, neither a token nor
// the proxy's capability reaches the state, and with revoke_on_close every
// token is revoked when the proxy closes. The seconds are those of a clock
// the provider, the server and the downstream provider share, which the
// downstream provider moves on between calls: nothing sleeps.
func TestAccProxyKeepsTokensFreshThroughALongApply(t *testing.T) {
	clock := &testClock{t: time.Now()}
	srv := startServer(t, authserver.Options{Now: clock.Now, ExpiresIn: 2, EnforceExpiry: true})
	var captured string
	ephemeralAccTestOn(t, proxyFactoriesOn(clock), []tfresource.TestStep{{
		Config: proxyHCL(srv, "revoke_on_close = true", fmt.Sprintf("revocation_url = %q", srv.Issuer+"/revoke")) + apiCallerHCL("long", 16, 500),
		Check: func(s *terraform.State) error {
			captured = fmt.Sprint(s)
			return nil
		},
	}})
	if n := len(srv.IssuedTokens()); n < 3 {
		t.Errorf("%d tokens issued across 8 s of 2 s tokens; want at least 3", n)
	}
	if revoked, issued := len(srv.Revoked()), len(srv.IssuedTokens()); revoked != issued {
		t.Errorf("%d of %d tokens revoked when the proxies closed; want all", revoked, issued)
	}
	for _, tok := range srv.IssuedTokens() {
		if strings.Contains(captured, tok) {
			t.Error("the state holds a token")
		}
	}
	if strings.Contains(captured, "127.0.0.1") && strings.Contains(captured, "base_url") {
		t.Error("the state holds the proxy's URL")
	}
}

// proxyHCL is the proxy api to srv's /api for client-1, lines its further
// arguments.
func proxyHCL(srv *authserver.Server, lines ...string) string {
	return client1HCL(`ephemeral "clientcreds_proxy" "api"`, "token_url", srv.TokenURL(), append([]string{fmt.Sprintf("upstream = %q", srv.URL+"/api")}, lines...)...)
}

// apiCallerHCL points the downstream provider at the proxy api; its
// resource, named name, makes calls calls intervalMS apart.
func apiCallerHCL(name string, calls, intervalMS int) string {
	return fmt.Sprintf(`
provider "apicaller" {
  base_url = ephemeral.clientcreds_proxy.api.url
}
resource "apicaller_calls" %q {
  calls       = %d
  interval_ms = %d
}
`, name, calls, intervalMS)
}

// proxyFactories serve this provider on the real clock (tokens expire) and
// the downstream provider.
func proxyFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"clientcreds": providerserver.NewProtocol6WithError(&Provider{version: "test", now: time.Now}),
		"apicaller":   providerserver.NewProtocol6WithError(&apiCaller{}),
	}
}

// proxyFactoriesOn serve both on clock, which the downstream provider
// moves on by interval_ms after each call instead of sleeping.
func proxyFactoriesOn(clock *testClock) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"clientcreds": providerserver.NewProtocol6WithError(&Provider{version: "test", now: clock.Now}),
		"apicaller":   providerserver.NewProtocol6WithError(&apiCaller{advance: clock.Advance}),
	}
}

// testClock is a clock that moves only when told to.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// apiCaller is a downstream provider as users have them: its provider block
// takes an API's base URL, and its resource calls the API repeatedly,
// sleeping between calls or, with advance, moving a test clock on.
type apiCaller struct {
	base    string
	advance func(time.Duration)
}

func (p *apiCaller) Metadata(_ context.Context, _ fwprovider.MetadataRequest, resp *fwprovider.MetadataResponse) {
	resp.TypeName = "apicaller"
}

func (p *apiCaller) Schema(_ context.Context, _ fwprovider.SchemaRequest, resp *fwprovider.SchemaResponse) {
	resp.Schema = pschema.Schema{Attributes: map[string]pschema.Attribute{"base_url": pschema.StringAttribute{Required: true}}}
}

func (p *apiCaller) Configure(ctx context.Context, req fwprovider.ConfigureRequest, resp *fwprovider.ConfigureResponse) {
	var base types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("base_url"), &base)...)
	p.base = base.ValueString()
	resp.ResourceData = p
}

func (p *apiCaller) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return &apiCalls{} }}
}

func (p *apiCaller) DataSources(context.Context) []func() datasource.DataSource { return nil }

type apiCalls struct{ p *apiCaller }

type apiCallsModel struct {
	ID         types.String `tfsdk:"id"`
	Calls      types.Int64  `tfsdk:"calls"`
	IntervalMS types.Int64  `tfsdk:"interval_ms"`
}

func (r *apiCalls) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "apicaller_calls"
}

func (r *apiCalls) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = rschema.Schema{Attributes: map[string]rschema.Attribute{
		"id":          rschema.StringAttribute{Computed: true},
		"calls":       rschema.Int64Attribute{Required: true},
		"interval_ms": rschema.Int64Attribute{Required: true},
	}}
}

func (r *apiCalls) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if p, ok := req.ProviderData.(*apiCaller); ok {
		r.p = p
	}
}

func (r *apiCalls) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m apiCallsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	for i := range m.Calls.ValueInt64() {
		res, err := http.Get(r.p.base + "/whoami")
		if err != nil {
			resp.Diagnostics.AddError("API Call Failed", err.Error())
			return
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK {
			resp.Diagnostics.AddError("API Call Failed", fmt.Sprintf("call %d: HTTP %d: %s", i+1, res.StatusCode, body))
			return
		}
		if interval := time.Duration(m.IntervalMS.ValueInt64()) * time.Millisecond; r.p.advance != nil {
			r.p.advance(interval)
		} else {
			time.Sleep(interval)
		}
	}
	m.ID = types.StringValue("done")
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *apiCalls) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (r *apiCalls) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.Diagnostics.Append(resp.State.Set(ctx, req.Plan.Raw)...)
}

func (r *apiCalls) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// DPoP end to end: the local server, as a DPoP authorization and resource
// server that asks for nonces at both, verifies every proof (signature,
// htm, htu, ath, jti reuse, nonce, the key the token is bound to); every
// call through the proxy succeeds.
func TestAccProxyDPoP(t *testing.T) {
	srv := startServer(t, authserver.Options{Now: time.Now, DPoP: &authserver.DPoP{RequireNonce: true}})
	ephemeralAccTestOn(t, proxyFactories(), []tfresource.TestStep{{
		Config: proxyHCL(srv, "dpop = true") + apiCallerHCL("dpop", 5, 10),
	}})
	var accepted, nonced int
	for _, r := range srv.TokenRequests() {
		switch r.Error {
		case "":
			accepted++
		case "use_dpop_nonce":
			nonced++
		default:
			t.Errorf("a token request was refused: %s", r.Error)
		}
	}
	if nonced == 0 || srv.APICalls() < 5 {
		t.Errorf("%d nonce challenges at the token endpoint, %d API requests for 5 calls", nonced, srv.APICalls())
	}
	// Each open: one token request refused for want of the nonce, one
	// accepted; every API call verified.
	if accepted == 0 || srv.DPoPProofs() < accepted+5 {
		t.Errorf("%d token requests accepted, %d proofs verified; want every call proven", accepted, srv.DPoPProofs())
	}
}

// A provisioner reaches the API through the proxy's Unix socket, as the
// documented example does: curl --unix-socket with the socket's path, no
// capability URL anywhere on a command line. The call arrives with a token
// the API accepts, and the socket is gone once the run is over.
func TestAccProxySocketForLocalTools(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	srv := startServer(t, authserver.Options{Now: time.Now})
	out := filepath.Join(t.TempDir(), "answer.json")
	ephemeralAccTestOn(t, proxyFactories(), []tfresource.TestStep{{
		Config: proxyHCL(srv) + execHCL(fmt.Sprintf(`printf %%s "$API_SOCKET" > "$OUT.socket" && %s -fsS --unix-socket "$API_SOCKET" -o "$OUT" http://proxy/whoami`, curl),
			out, map[string]string{"API_SOCKET": "ephemeral.clientcreds_proxy.api.socket_path"}),
	}})
	answer, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(answer), "token accepted") || srv.APICalls() != 1 {
		t.Fatalf("the API answered %q (%v) after %d calls; want the token accepted", answer, err, srv.APICalls())
	}
	sock, err := os.ReadFile(out + ".socket")
	if err != nil || len(sock) == 0 {
		t.Fatalf("the provisioner was given no socket path: %v", err)
	}
	if _, err := os.Stat(string(sock)); !os.IsNotExist(err) {
		t.Errorf("the socket %s is still there after the run: %v", sock, err)
	}
}

// The proxy takes the token the persistent cache already holds, as every
// other reader does, rather than asking for one of its own (which, at a
// server that revokes older tokens on issue, would kill the cached one);
// and when the API refuses that token as invalid, the proxy drops it from
// the cache and gets a new one, so no later run reads the dead token.
func TestAccProxySharesTheCachedTokenAndDropsItWhenRefused(t *testing.T) {
	srv := startServer(t, authserver.Options{Now: time.Now})
	dir := t.TempDir()
	must(t, os.Chmod(dir, 0o700))
	providerBlock := fmt.Sprintf(`
provider "clientcreds" {
  cache {
    directory = %q
  }
}
`, dir)
	proxyConfig := providerBlock + proxyHCL(srv) + apiCallerHCL("one", 1, 1)
	// issuedAfter runs config and counts the tokens the server has issued.
	issuedAfter := func(config string) int {
		tfresource.Test(t, tfresource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
			ProtoV6ProviderFactories: proxyFactories(),
			Steps:                    []tfresource.TestStep{{Config: config}},
		})
		return len(srv.IssuedTokens())
	}

	// A first run caches a token; a proxy in the next run uses it.
	if n := issuedAfter(providerBlock + tokenT(srv)); n != 1 {
		t.Fatalf("%d tokens issued by the first run; want 1", n)
	}
	cached := srv.IssuedTokens()[0]
	if n := issuedAfter(proxyConfig); n != 1 {
		t.Errorf("the proxy asked for %d tokens beside the cached one; want none", n-1)
	}

	// The server revokes the cached token; the proxy's call is refused,
	// and replayed with a new token that replaces the dead one.
	revoke(t, srv, cached)
	if n := issuedAfter(proxyConfig); n != 2 {
		t.Fatalf("%d tokens issued after the revocation; want exactly one more", n)
	}
	// A later run reads the new token from the cache, not the dead one:
	// the proxy's call succeeds with no request for a token.
	if n := issuedAfter(proxyConfig); n != 2 {
		t.Errorf("a later run asked for %d more tokens; the cache should hold the new one", n-2)
	}
}

// revoke revokes tok at srv as its client would (RFC 7009).
func revoke(t *testing.T, srv *authserver.Server, tok string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.Issuer+"/revoke", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("client-1", url.QueryEscape(testSecret)) // RFC 6749 §2.3.1
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revocation answered %d", resp.StatusCode)
	}
}
