package provider

import (
	"context"
	"time"

	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/proxy"
)

// The ephemeral clientcreds_proxy: clientcreds_token's arguments (one
// schema and one mapping, the token's), an upstream API, and as results a
// loopback capability URL and a user-only Unix socket that forward to the
// upstream with a token that is always fresh. The proxy lives in the
// provider process from Open to Close, which Terraform calls only once
// every resource that used it is done: the token never reaches another
// provider or tool, and never expires mid-apply. Like clientcreds_token's,
// it is shared with the run's other reads and the configured caches,
// unless it is to be revoked or bound to the proxy's DPoP key.

// proxyCloseWait bounds how long Close waits for requests in flight.
const proxyCloseWait = 30 * time.Second

var proxyAttrs = withAttributes(tokenArguments(tokenGrantAttrs), map[string]dschema.Attribute{
	"revoke_on_close": tokenEphemeralAttrs["revoke_on_close"],
	"revocation_url":  tokenEphemeralAttrs["revocation_url"],
	"upstream": dschema.StringAttribute{Required: true,
		MarkdownDescription: "Base URL of the API to forward to: `https://`, or `http://` to a loopback host or with the provider's " +
			"`allow_insecure_http`. Uses the provider's transport settings.",
		Validators: []validator.String{urlValidator{}},
	},
	"dpop": dschema.BoolAttribute{Optional: true,
		MarkdownDescription: "Bind the tokens to a key made in memory when the proxy opens (DPoP, RFC 9449), as Okta, Auth0 and " +
			"Keycloak can require: each forwarded request gets `Authorization: DPoP <token>` and a fresh proof. Defaults to `false`.",
	},
	"url": dschema.StringAttribute{Computed: true, Sensitive: true,
		MarkdownDescription: "`http://127.0.0.1:<port>/<capability>`, another provider's API base URL: `url` + path goes to " +
			"`upstream` + path with a fresh token. Whoever learns it can call the API as the client while the proxy is open: never " +
			"put it on a command line; give local tools `socket_path`."},
	"socket_path": dschema.StringAttribute{Computed: true,
		MarkdownDescription: "Unix socket that forwards as `url` does, for local tools (`curl --unix-socket \"$SOCK\" " +
			"http://proxy/path`). Only the user running Terraform can open it, so its path is not a secret. Removed when the proxy closes."},
})

// tokenArguments is a schema's attributes less its results.
func tokenArguments(in map[string]dschema.Attribute) map[string]dschema.Attribute {
	out := map[string]dschema.Attribute{}
	for name, a := range in {
		if a.IsOptional() || a.IsRequired() {
			out[name] = a
		}
	}
	return out
}

type proxyEphemeral struct{ ephemeralBase }

func newProxyEphemeral() ephemeral.EphemeralResource {
	return &proxyEphemeral{ephemeralBase{typeName: "_proxy", attrs: proxyAttrs,
		description: "An authenticating proxy on 127.0.0.1 for the length of a plan or apply (Terraform 1.10+, OpenTofu 1.11+): " +
			"another provider takes its `url` as the API's base URL, and every request it sends is forwarded to `upstream` with a " +
			"token the proxy keeps fresh, renewed before it has `min_remaining` left and once more when the API refuses it as " +
			"invalid. The token never leaves the provider, so an apply longer than a token's life does not fail half way. " +
			"It takes every argument of `clientcreds_token`. See [Long applies](../guides/long-applies.md)."}}
}

func (e *proxyEphemeral) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	resp.Diagnostics.Append(validateTokenConfig(req.Config)...)
}

// proxyModel is the proxy's configuration and result: the token's
// arguments, read through the token's own models, and the proxy's.
type proxyModel struct {
	tokenModel
	grantModel
	revocationModel
	Upstream   types.String `tfsdk:"upstream"`
	DPoP       types.Bool   `tfsdk:"dpop"`
	URL        types.String `tfsdk:"url"`
	SocketPath types.String `tfsdk:"socket_path"`
}

const proxyKey = "proxy"

func (e *proxyEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	if e.pd == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var m proxyModel
	if resp.Diagnostics.Append(getModel(ctx, req.Config, &m)...); resp.Diagnostics.HasError() {
		return
	}
	client := e.pd.client
	u, err := client.CheckUpstream("upstream", m.Upstream.ValueString())
	if err != nil {
		resp.Diagnostics.Append(errorDiag(err))
		return
	}
	// The proxy shares its token with the run and the stores, renewed when
	// it must be, unless it is to be revoked or bound to the proxy's own
	// DPoP key: then the token is the proxy's alone.
	spec := tokenFetch{args: &m.tokenModel, build: grantRequest(&m.tokenModel, &m.grantModel),
		own: m.RevokeOnClose.ValueBool() || m.DPoP.ValueBool()}
	if m.DPoP.ValueBool() {
		if spec.dpop, err = oauth.NewDPoPKey(nil); err != nil {
			resp.Diagnostics.AddError("Proxy Not Started", "The DPoP key could not be made: "+err.Error()+".")
			return
		}
	}
	ctx, f, diags := e.pd.fetch(ctx, spec)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	p, err := proxy.Start(proxy.Options{Upstream: u, Transport: client.UpstreamTransport(), Fetch: e.pd.again(f), Usable: client.Usable,
		Reject:  func(ctx context.Context, tok string) { client.Reject(ctx, f.req, tok) },
		Initial: f.tok, DPoP: spec.dpop, Redact: client.Redact()})
	if err != nil {
		resp.Diagnostics.AddError("Proxy Not Started", err.Error()+".")
		return
	}
	open := openProxy{proxy: p,
		revoke: m.revocation(ctx, e.pd, m.Issuer.ValueString(), f.req, "Tokens Will Not Be Revoked", &resp.Diagnostics)}
	resp.Diagnostics.Append(e.pd.proxies.keep(ctx, resp.Private, proxyKey, open)...)
	m.URL, m.SocketPath = types.StringValue(p.URL), types.StringValue(p.Socket)
	resp.Diagnostics.Append(setResult(ctx, &resp.Result, &m)...)
}

func (e *proxyEphemeral) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	if e.pd == nil {
		return
	}
	o, ok := e.pd.proxies.take(ctx, req.Private, proxyKey, &resp.Diagnostics)
	if !ok {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), proxyCloseWait)
	defer cancel()
	_ = o.proxy.Close(cctx)
	if o.revoke == nil {
		return
	}
	for _, tok := range o.proxy.Tokens() {
		rr := *o.revoke
		rr.Token = tok
		e.pd.revoke(ctx, rr, &resp.Diagnostics)
	}
}

// openProxy is a running proxy and, with revoke_on_close, how to revoke
// its tokens.
type openProxy struct {
	proxy  *proxy.Proxy
	revoke *oauth.RevokeRequest
}
