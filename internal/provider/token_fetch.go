package provider

import (
	"context"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/identity"
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
		AssertionProfile:  m.AssertionProfile.ValueString(),
		Issuer:            m.Issuer.ValueString(),
		ClientAssertion:   secretOf(m.ClientAssertion, m.ClientAssertionFile, m.ClientAssertionEnv),
	}
	if uri := m.PrivateKeyKMS.ValueString(); uri != "" {
		key, err := pd.keyService(uri)
		if err != nil {
			// The words of the attribute's validator: at validate, the two are one diagnostic.
			diags.Append(keyURIError(path.Root(oauth.ArgPrivateKeyKMS), err))
			return r, diags
		}
		r.KeyService = key
	}
	r.WorkloadIdentity = workloadSource(m.WorkloadIdentity, m.WorkloadAudience, m.WorkloadConnection, m.WorkloadTag,
		m.WorkloadClientID, m.WorkloadAlgorithm, 0)
	readFile(m.CertificateFile, oauth.ArgCertificateFile, &r.CertificatePEM, &diags)
	if pd != nil && takesProviderPair(&r) {
		r.CertificatePEM, r.PrivateKey = pd.clientCertPEM, pd.clientKey
	}
	return r, diags
}

// takesProviderPair is whether the provider's mTLS client certificate and
// key serve a request: mutual TLS with no certificate or key of its own.
func takesProviderPair(r *oauth.TokenRequest) bool {
	return r.AuthMethod.IsMutualTLS() && len(r.CertificatePEM) == 0 && !r.PrivateKey.IsSet() && r.KeyService == nil
}

// workloadSource is the identity source a workload identity argument and
// its arguments (workloadArgAttrs) name, asking for a token of lifetime
// where the platform lets the caller choose (0: the platform's default);
// nil when the platform is not set.
func workloadSource(platform, audience, connection, tag, clientID, algorithm types.String, lifetime time.Duration) oauth.IdentitySource {
	if platform.ValueString() == "" {
		return nil
	}
	return identity.New(identity.Spec{Platform: platform.ValueString(), Audience: audience.ValueString(),
		ServiceConnectionID: connection.ValueString(), Tag: tag.ValueString(), ClientID: clientID.ValueString(),
		SigningAlgorithm: algorithm.ValueString(), Lifetime: lifetime})
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

// tokenFetch is what an entry point asks the one fetch for.
type tokenFetch struct {
	args  *tokenModel    // the token's arguments, whichever schema they came in
	build requestBuilder // the arguments as a request: the grant's, or the exchange's
	// own asks for a token of the caller's own, neither shared with other
	// reads nor kept: one to be revoked, or bound to the proxy's DPoP key.
	own bool
	// dpop binds the token to this key (the proxy's).
	dpop *oauth.DPoPKey
}

// fetched is a token and the request that obtained it.
type fetched struct {
	req oauth.TokenRequest
	tok *oauth.Token
}

// fetch is the one way every entry point (the token and the exchange as
// data sources and ephemeral resources, the proxy) gets a token: it maps
// the arguments to a request, discovers the endpoint, masks the token's
// inline secrets (client_secret, private_key_pem, client_assertion) in this
// request's log lines, asks the client
// (which reads and registers every secret, shares and stores tokens), and
// adds the warnings every token deserves. It returns ctx with the token
// masked too, for any logging the caller does after.
func (pd *providerData) fetch(ctx context.Context, f tokenFetch) (context.Context, *fetched, diag.Diagnostics) {
	var diags diag.Diagnostics
	if pd == nil {
		diags.Append(notConfigured())
		return ctx, nil, diags
	}
	m := f.args
	ctx = maskSecrets(ctx, m.ClientSecret.ValueString(), m.PrivateKeyPEM.ValueString(), m.ClientAssertion.ValueString())
	req, rdiags := m.request(ctx, pd, f.build)
	diags.Append(rdiags...)
	if diags.HasError() {
		return ctx, nil, diags
	}
	ctx = maskSecrets(ctx, req.PrivateKey.Value) // also when it is the provider's
	req.NoShare, req.DPoP = f.own, f.dpop
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
	if tt := tok.TokenType; tt != "" && !req.Expects(tt) {
		diags.AddWarning("Token Is Not a Bearer Token",
			"The server issued a token of type "+strconv.Quote(tt)+". Sending it as \"Authorization: Bearer <token>\" "+
				"will likely be refused; the API it is for expects the "+strconv.Quote(tt)+" scheme (DPoP tokens, for one, need a proof per request).")
	}
	return ctx, &fetched{req: req, tok: tok}, diags
}

// again asks for another token with the same request: the proxy's
// renewals. The request's secrets are read again.
func (pd *providerData) again(f *fetched) func(ctx context.Context) (*oauth.Token, error) {
	return func(ctx context.Context) (*oauth.Token, error) { return pd.client.Token(ctx, f.req) }
}

// into maps a token answer to a token's results, and the method used to
// the computed auth_method.
func (f *fetched) into(args *tokenModel, r *tokenResult) {
	tok := f.tok
	args.AuthMethod = types.StringValue(string(f.req.AuthMethod))
	r.AccessToken = types.StringValue(tok.AccessToken)
	r.TokenType = nullIfEmpty(tok.TokenType)
	r.Scope = nullIfEmpty(tok.Scope)
	r.ExpiresIn, r.ExpiresAt = types.Int64Null(), types.StringNull()
	if tok.ExpiresIn != nil {
		r.ExpiresIn = types.Int64Value(*tok.ExpiresIn)
		r.ExpiresAt = types.StringValue(tok.ExpiresAt.UTC().Format(time.RFC3339))
	}
}

func nullIfEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
