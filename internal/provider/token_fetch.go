package provider

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// request maps the configuration to a token request, discovering the token
// endpoint first when the configuration names an issuer.
func (m *tokenModel) request(ctx context.Context, c *oauth.Client) (oauth.TokenRequest, *oauth.Metadata, error) {
	r := oauth.TokenRequest{
		TokenURL:     m.TokenURL.ValueString(),
		ClientID:     m.ClientID.ValueString(),
		ClientSecret: m.ClientSecret.ValueString(),
		AuthMethod:   oauth.AuthMethod(m.AuthMethod.ValueString()),
		Format:       m.RequestFormat.ValueString(),
		ContentType:  m.ContentType.ValueString(),
		Scopes:       m.Scopes,
		Audience:     m.Audience.ValueString(),
		Resources:    m.Resource,
		ExtraParams:  m.ExtraParams,
		Headers:      m.Headers,
	}
	if r.Format == "" {
		r.Format = oauth.FormatForm
	}
	var md *oauth.Metadata
	if iss := m.Issuer.ValueString(); iss != "" {
		var err error
		if md, err = c.Discover(ctx, oauth.DiscoveryRequest{Issuer: iss}); err != nil {
			return r, nil, err
		}
		r.TokenURL = md.TokenEndpoint
	}
	if r.AuthMethod == "" {
		r.AuthMethod = oauth.ChooseAuthMethod(r.Format, md)
	}
	return r, md, nil
}

// fetch runs the whole configuration -> request -> result mapping; the data
// source and the ephemeral resource both call it and nothing else. It returns
// ctx with the token masked too, for any logging the caller does after.
// own asks for a token not shared with other reads, for one to be revoked.
func (m *tokenModel) fetch(ctx context.Context, pd *providerData, own bool) (context.Context, *oauth.TokenRequest, diag.Diagnostics) {
	var diags diag.Diagnostics
	if pd == nil {
		diags.Append(notConfigured())
		return ctx, nil, diags
	}
	ctx = maskSecrets(ctx, m.ClientSecret.ValueString())
	req, _, err := m.request(ctx, pd.client)
	if err != nil {
		diags.Append(errorDiag(err))
		return ctx, nil, diags
	}
	req.NoShare = own
	tok, err := pd.client.Token(ctx, req)
	if err != nil {
		diags.Append(errorDiag(err))
		return ctx, nil, diags
	}
	ctx = maskSecrets(ctx, tok.AccessToken)
	m.setResult(req, tok)
	if tt := tok.TokenType; tt != "" && !strings.EqualFold(tt, "bearer") {
		diags.AddWarning("Token Is Not a Bearer Token",
			"The server issued a token of type "+strconv.Quote(tt)+". Sending it as \"Authorization: Bearer <token>\" "+
				"will likely be refused; the API it is for expects the "+strconv.Quote(tt)+" scheme (DPoP tokens, for one, need a proof per request).")
	}
	return ctx, &req, diags
}

func (m *tokenModel) setResult(req oauth.TokenRequest, tok *oauth.Token) {
	m.AuthMethod = types.StringValue(string(req.AuthMethod))
	m.AccessToken = types.StringValue(tok.AccessToken)
	m.TokenType = nullIfEmpty(tok.TokenType)
	m.Scope = nullIfEmpty(tok.Scope)
	m.ExpiresIn, m.ExpiresAt = types.Int64Null(), types.StringNull()
	if tok.ExpiresIn != nil {
		m.ExpiresIn = types.Int64Value(*tok.ExpiresIn)
		m.ExpiresAt = types.StringValue(tok.ExpiresAt.UTC().Format(time.RFC3339))
	}
}

func nullIfEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
