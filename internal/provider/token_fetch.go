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

// baseRequest maps the configuration to a token request: secrets in files
// and environment variables are passed on by name, for the protocol layer
// to read when it sends the request; certificate files (not secret) are
// read here; the provider's mTLS pair is taken where the configuration has
// none. No network is involved.
func (m *tokenModel) baseRequest(pd *providerData) (oauth.TokenRequest, diag.Diagnostics) {
	var diags diag.Diagnostics
	r := oauth.TokenRequest{
		TokenURL:          m.TokenURL.ValueString(),
		ClientID:          m.ClientID.ValueString(),
		ClientSecret:      secretOf(m.ClientSecret, m.ClientSecretFile, m.ClientSecretEnv),
		AuthMethod:        oauth.AuthMethod(m.AuthMethod.ValueString()),
		Format:            m.RequestFormat.ValueString(),
		ContentType:       m.ContentType.ValueString(),
		Scopes:            m.Scopes,
		Audience:          m.Audience.ValueString(),
		Resources:         m.Resource,
		ExtraParams:       m.ExtraParams,
		Headers:           m.Headers,
		PrivateKey:        secretOf(m.PrivateKeyPEM, m.PrivateKeyFile, m.PrivateKeyEnv),
		CertificatePEM:    []byte(m.CertificatePEM.ValueString()),
		CertificateFile:   m.CertificateFile.ValueString(),
		SigningAlgorithm:  m.SigningAlgorithm.ValueString(),
		KeyID:             m.KeyID.ValueString(),
		AssertionAudience: m.AssertionAudience.ValueString(),
		ClientAssertion:   secretOf(m.ClientAssertion, m.ClientAssertionFile, m.ClientAssertionEnv),
	}
	if w := m.WorkloadIdentity.ValueString(); w != "" {
		r.WorkloadIdentity = &oauth.IdentitySource{Platform: oauth.Platform(w), Audience: m.WorkloadAudience.ValueString(),
			ServiceConnectionID: m.WorkloadConnection.ValueString()}
	}
	readFile(m.CertificateFile, oauth.ArgCertificateFile, &r.CertificatePEM, &diags)
	if pd != nil && r.AuthMethod.IsMutualTLS() && len(r.CertificatePEM) == 0 && !r.PrivateKey.IsSet() {
		r.CertificatePEM, r.PrivateKey = pd.clientCertPEM, pd.clientKey
	}
	return r, diags
}

// secretOf is a secret argument's three forms as configured.
func secretOf(inline, file, env types.String) oauth.Secret {
	return oauth.Secret{Value: inline.ValueString(), File: file.ValueString(), Env: env.ValueString()}
}

// request completes baseRequest with discovery when the configuration names
// an issuer: the token endpoint (its mTLS alias for mTLS methods) and the
// default client authentication.
func (m *tokenModel) request(ctx context.Context, pd *providerData, build requestBuilder) (oauth.TokenRequest, diag.Diagnostics) {
	r, diags := build(pd)
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
	r.SetDefaults(md)
	if alias := md.MTLSAlias("token_endpoint"); r.AuthMethod.IsMutualTLS() && alias != "" {
		r.TokenURL = alias // RFC 8705 §5: mTLS clients use the aliases
	}
	return r, diags
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

// requestBuilder maps a configuration to its request before discovery:
// a client-credentials request, or a token exchange.
type requestBuilder func(pd *providerData) (oauth.TokenRequest, diag.Diagnostics)

// fetch runs the whole configuration -> request -> result mapping for the
// request build makes (the token's grant, or the exchange); the data
// sources and the ephemeral resources call it and nothing else. It returns
// ctx with the token masked too, for any logging the caller does after.
// own asks for a token not shared with other reads, for one to be revoked.
func (m *tokenModel) fetch(ctx context.Context, pd *providerData, own bool, build requestBuilder) (context.Context, *oauth.TokenRequest, diag.Diagnostics) {
	var diags diag.Diagnostics
	if pd == nil {
		diags.Append(notConfigured())
		return ctx, nil, diags
	}
	ctx = maskSecrets(ctx, m.ClientSecret.ValueString(), m.PrivateKeyPEM.ValueString(), m.ClientAssertion.ValueString())
	// Secrets read from files and variables, and identity tokens, never
	// reach this layer: the protocol layer reads them and keeps them out of
	// its log lines and errors.
	req, rdiags := m.request(ctx, pd, build)
	diags.Append(rdiags...)
	if diags.HasError() {
		return ctx, nil, diags
	}
	ctx = maskSecrets(ctx, req.PrivateKey.Value) // also when it is the provider's
	req.NoShare = own
	tok, err := pd.client.Token(ctx, req)
	if err != nil {
		diags.Append(errorDiag(err))
		return ctx, nil, diags
	}
	ctx = maskSecrets(ctx, tok.AccessToken)
	if pd.storeWarning != nil {
		if w := pd.storeWarning(); w != "" {
			diags.AddWarning("Shared Token Cache Unavailable", w)
		}
	}
	m.setResult(req, tok)
	// N_A is RFC 8693's type of an exchanged token that is not an access token.
	if tt := pd.client.Redact().Sanitize(tok.TokenType, 40); tt != "" && !strings.EqualFold(tt, "bearer") && (tt != "N_A" || req.Exchange == nil) {
		diags.AddWarning("Token Is Not a Bearer Token",
			"The server issued a token of type "+strconv.Quote(tt)+". Sending it as \"Authorization: Bearer <token>\" "+
				"will likely be refused; the API it is for expects the "+strconv.Quote(tt)+" scheme (DPoP tokens, for one, need a proof per request).")
	}
	return ctx, &req, diags
}

func (m *tokenModel) setResult(req oauth.TokenRequest, tok *oauth.Token) {
	m.AuthMethod = types.StringValue(string(req.AuthMethod))
	m.AccessToken = types.StringValue(tok.AccessToken)
	m.issuedTokenType, m.instanceURL = tok.IssuedTokenType, tok.InstanceURL
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
