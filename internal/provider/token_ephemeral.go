package provider

import (
	"context"

	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// tokenEphemeralAttrs adds revocation to the shared token attributes.
var tokenEphemeralAttrs = withAttributes(tokenGrantAttrs, map[string]dschema.Attribute{
	"revoke_on_close": dschema.BoolAttribute{Optional: true,
		MarkdownDescription: "Revoke the token (RFC 7009) at `revocation_url` when Terraform closes this ephemeral resource, at the " +
			"end of each plan or apply. A failed revocation is a warning. Defaults to `false`.",
	},
	"revocation_url": dschema.StringAttribute{Optional: true,
		MarkdownDescription: "RFC 7009 revocation endpoint for `revoke_on_close`. Defaults to the discovered `revocation_endpoint` when `issuer` is set.",
		Validators:          []validator.String{urlValidator{}},
	},
})

type tokenEphemeralModel struct {
	tokenDataModel
	revocationModel
}

// revocationModel is the revocation arguments of the token's ephemeral
// resource and of the proxy.
type revocationModel struct {
	RevokeOnClose types.Bool   `tfsdk:"revoke_on_close"`
	RevocationURL types.String `tfsdk:"revocation_url"`
}

// tokenEphemeral is clientcreds_token as an ephemeral resource (Terraform
// 1.10+): the token is minted each time Terraform opens it and never stored.
type tokenEphemeral struct{ ephemeralBase }

func newTokenEphemeral() ephemeral.EphemeralResource {
	return &tokenEphemeral{ephemeralBase{typeName: "_token", attrs: tokenEphemeralAttrs,
		description: tokenDescription + " As an ephemeral resource the token is never written to state or to a saved plan."}}
}

// noRevocationEndpoint explains a revoke_on_close that cannot be honoured.
const noRevocationEndpoint = "revoke_on_close is set, but no revocation endpoint is known: set revocation_url, or use issuer with a " +
	"server whose discovery document lists revocation_endpoint."

// revocation is how to revoke at Close the tokens fetched with client: at
// revocation_url, or at the issuer's discovered endpoint. It is nil
// without revoke_on_close, and nil with a warning (summary) when no
// endpoint is known.
func (r revocationModel) revocation(ctx context.Context, pd *providerData, issuer string, client oauth.TokenRequest,
	summary string, diags *diag.Diagnostics) *oauth.RevokeRequest {
	if !r.RevokeOnClose.ValueBool() {
		return nil
	}
	url := r.RevocationURL.ValueString()
	if url == "" && issuer != "" {
		if md, err := pd.client.Discover(ctx, oauth.DiscoveryRequest{Issuer: issuer}); err == nil {
			url = md.RevocationEndpoint
		}
	}
	if url == "" {
		diags.AddWarning(summary, noRevocationEndpoint)
		return nil
	}
	return &oauth.RevokeRequest{URL: url, Client: client}
}

// revokeKey is the private-data key of a pending revocation. Private data
// holds only a handle: the credentials stay in this process's memory.
const revokeKey = "revoke"

func (e *tokenEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m tokenEphemeralModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, f, diags := e.pd.fetch(ctx, tokenFetch{args: &m.tokenModel, build: grantRequest(&m.tokenModel, &m.grantModel),
		own: m.RevokeOnClose.ValueBool()})
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.set(f)
	if rr := m.revocation(ctx, e.pd, m.Issuer.ValueString(), f.req, "Token Will Not Be Revoked", &resp.Diagnostics); rr != nil {
		rr.Token = f.tok.AccessToken
		resp.Diagnostics.Append(e.pd.revocations.keep(ctx, resp.Private, revokeKey, *rr)...)
	}
	resp.Diagnostics.Append(setResult(ctx, &resp.Result, &m)...)
}

func (e *tokenEphemeral) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	if e.pd == nil {
		return
	}
	if rr, ok := e.pd.revocations.take(ctx, req.Private, revokeKey, &resp.Diagnostics); ok {
		e.pd.revoke(ctx, rr, &resp.Diagnostics)
	}
}

// revoke revokes rr's token at Close, with the token and the client
// secret masked in logs; a failure is a warning, since the token expires.
func (pd *providerData) revoke(ctx context.Context, rr oauth.RevokeRequest, diags *diag.Diagnostics) {
	ctx = maskSecrets(ctx, rr.Token, rr.Client.ClientSecret.Value)
	if err := pd.client.Revoke(ctx, rr); err != nil {
		d := errorDiag(err)
		diags.AddWarning(d.Summary(), d.Detail()+"\n\nThe token stays valid until it expires.")
	}
}

func (e *tokenEphemeral) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	resp.Diagnostics.Append(validateTokenConfig(req.Config)...)
}
