package provider

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// baseRequest maps the configuration to a token request, reading key and
// certificate files and taking the provider's mTLS pair where the
// configuration has none; no network is involved.
func (m *tokenModel) baseRequest(pd *providerData) (oauth.TokenRequest, diag.Diagnostics) {
	var diags diag.Diagnostics
	r := oauth.TokenRequest{
		TokenURL:            m.TokenURL.ValueString(),
		ClientID:            m.ClientID.ValueString(),
		ClientSecret:        m.ClientSecret.ValueString(),
		AuthMethod:          oauth.AuthMethod(m.AuthMethod.ValueString()),
		Format:              m.RequestFormat.ValueString(),
		ContentType:         m.ContentType.ValueString(),
		Scopes:              m.Scopes,
		Audience:            m.Audience.ValueString(),
		Resources:           m.Resource,
		ExtraParams:         m.ExtraParams,
		Headers:             m.Headers,
		PrivateKeyPEM:       []byte(m.PrivateKeyPEM.ValueString()),
		CertificatePEM:      []byte(m.CertificatePEM.ValueString()),
		SigningAlgorithm:    m.SigningAlgorithm.ValueString(),
		KeyID:               m.KeyID.ValueString(),
		AssertionAudience:   m.AssertionAudience.ValueString(),
		ClientAssertion:     m.ClientAssertion.ValueString(),
		ClientAssertionFile: m.ClientAssertionFile.ValueString(),
	}
	if r.Format == "" {
		r.Format = oauth.FormatForm
	}
	readFile(m.PrivateKeyFile, "private_key_file", &r.PrivateKeyPEM, &diags)
	readFile(m.CertificateFile, "certificate_file", &r.CertificatePEM, &diags)
	if isTLSMethod(r.AuthMethod) && len(r.CertificatePEM) == 0 && len(r.PrivateKeyPEM) == 0 && pd != nil {
		r.CertificatePEM, r.PrivateKeyPEM = pd.clientCertPEM, pd.clientKeyPEM
	}
	return r, diags
}

// request completes baseRequest with discovery when the configuration names
// an issuer: the token endpoint (its mTLS alias for mTLS methods) and the
// default client authentication.
func (m *tokenModel) request(ctx context.Context, pd *providerData) (oauth.TokenRequest, diag.Diagnostics) {
	r, diags := m.baseRequest(pd)
	if diags.HasError() {
		return r, diags
	}
	var md *oauth.Metadata
	if iss := m.Issuer.ValueString(); iss != "" {
		var err error
		if md, err = pd.client.Discover(ctx, oauth.DiscoveryRequest{Issuer: iss}); err != nil {
			diags.Append(errorDiag(err))
			return r, diags
		}
		r.TokenURL = md.TokenEndpoint
	}
	if r.AuthMethod == "" {
		r.AuthMethod = r.ChooseAuthMethod(md)
	}
	if alias := md.MTLSAlias("token_endpoint"); isTLSMethod(r.AuthMethod) && alias != "" {
		r.TokenURL = alias // RFC 8705 §5: mTLS clients use the aliases
	}
	return r, diags
}

func isTLSMethod(m oauth.AuthMethod) bool {
	return m == oauth.TLSClientAuth || m == oauth.SelfSignedTLSClientAuth
}

func readFile(v types.String, attr string, dst *[]byte, diags *diag.Diagnostics) {
	if v.ValueString() == "" {
		return
	}
	b, err := os.ReadFile(v.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root(attr), "Unreadable File", "The file named by "+attr+" could not be read: "+err.Error()+".")
		return
	}
	*dst = b
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
	ctx = maskSecrets(ctx, m.ClientSecret.ValueString(), m.PrivateKeyPEM.ValueString(), m.ClientAssertion.ValueString())
	req, rdiags := m.request(ctx, pd)
	diags.Append(rdiags...)
	if diags.HasError() {
		return ctx, nil, diags
	}
	ctx = maskSecrets(ctx, string(req.PrivateKeyPEM)) // also when read from a file or the provider
	req.NoShare = own
	tok, err := pd.client.Token(ctx, req)
	if err != nil {
		diags.Append(errorDiag(err))
		return ctx, nil, diags
	}
	ctx = maskSecrets(ctx, tok.AccessToken)
	m.setResult(req, tok)
	if tt := oauth.Sanitize(tok.TokenType, 40); tt != "" && !strings.EqualFold(tt, "bearer") {
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
