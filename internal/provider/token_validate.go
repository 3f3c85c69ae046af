package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// validateTokenConfig checks at validate time that the credentials fit the
// authentication method: what it needs is there, what it would ignore is
// not, and a key fits its algorithm. Each error is attached to the argument
// to change. It runs for the data source and the ephemeral resource alike,
// and skips while any credential is unknown.
func validateTokenConfig(ctx context.Context, cfg tfsdk.Config) diag.Diagnostics {
	var diags diag.Diagnostics
	var m tokenModel
	for name, dst := range m.credentials() {
		diags.Append(cfg.GetAttribute(ctx, path.Root(name), dst)...)
		if diags.HasError() || dst.IsUnknown() {
			return diags
		}
	}
	r, d := m.baseRequest(nil)
	diags.Append(d...)
	if diags.HasError() {
		return diags
	}
	if r.AuthMethod == "" {
		r.AuthMethod = r.ChooseAuthMethod(nil)
	}
	// With mTLS and no pair of its own, the provider's client certificate
	// may serve; whether it does is known when the token is requested.
	pairFromProvider := isTLSMethod(r.AuthMethod) && len(r.CertificatePEM) == 0 && len(r.PrivateKeyPEM) == 0
	if err := r.ValidateAuthArgs(pairFromProvider); err != nil {
		diags.Append(m.argDiag("Invalid Client Authentication", err))
	}
	return diags
}

// argDiag attaches a protocol error to the argument it blames: the file
// form of a credential when that is the one configured.
func (m *tokenModel) argDiag(summary string, err error) diag.Diagnostic {
	var ae *oauth.ArgError
	if !errors.As(err, &ae) {
		return diag.NewErrorDiagnostic(summary, oauth.Sanitize(err.Error(), 1000))
	}
	arg := ae.Arg
	fileForm := map[string]struct {
		file string
		v    types.String
	}{
		oauth.ArgPrivateKeyPEM:   {oauth.ArgPrivateKeyFile, m.PrivateKeyFile},
		oauth.ArgCertificatePEM:  {oauth.ArgCertificateFile, m.CertificateFile},
		oauth.ArgClientAssertion: {oauth.ArgClientAssertionFile, m.ClientAssertionFile},
	}
	if f, ok := fileForm[arg]; ok && f.v.ValueString() != "" {
		arg = f.file
	}
	return diag.NewAttributeErrorDiagnostic(path.Root(arg), summary, ae.Msg)
}

// credentials are the attributes the client authentication rules read,
// by name. (The whole model cannot be read while lists may be unknown.)
func (m *tokenModel) credentials() map[string]*types.String {
	return map[string]*types.String{
		oauth.ArgClientID: &m.ClientID, oauth.ArgClientSecret: &m.ClientSecret, oauth.ArgAuthMethod: &m.AuthMethod,
		oauth.ArgRequestFormat: &m.RequestFormat, oauth.ArgPrivateKeyPEM: &m.PrivateKeyPEM, oauth.ArgPrivateKeyFile: &m.PrivateKeyFile,
		oauth.ArgCertificatePEM: &m.CertificatePEM, oauth.ArgCertificateFile: &m.CertificateFile,
		oauth.ArgSigningAlgorithm: &m.SigningAlgorithm, oauth.ArgKeyID: &m.KeyID, oauth.ArgAssertionAudience: &m.AssertionAudience,
		oauth.ArgClientAssertion: &m.ClientAssertion, oauth.ArgClientAssertionFile: &m.ClientAssertionFile,
	}
}

// urlValidator checks at validate time what can be known of an endpoint
// without the provider's configuration: an absolute http(s) URL.
type urlValidator struct{}

func (urlValidator) Description(context.Context) string {
	return "must be an absolute https:// URL (http:// only to loopback hosts, or with allow_insecure_http)"
}

func (v urlValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (urlValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := oauth.CheckURLSyntax(req.Path.String(), req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid URL", err.Error())
	}
}

// reservedKeys refuses map keys the provider sets itself, with the same
// words as the check made when the request is built.
type reservedKeys struct {
	names    []string
	foldCase bool // header names: any case
	why      string
}

func (v reservedKeys) Description(context.Context) string {
	return "may not set " + strings.Join(v.names, ", ")
}

func (v reservedKeys) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v reservedKeys) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for key := range req.ConfigValue.Elements() {
		for _, n := range v.names {
			if key == n || (v.foldCase && strings.EqualFold(key, n)) {
				resp.Diagnostics.AddAttributeError(req.Path, "Reserved Key",
					fmt.Sprintf("The %s may not set %q; %s.", req.Path, key, v.why))
			}
		}
	}
}
