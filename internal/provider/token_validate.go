package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// validateTokenConfig checks at plan time that the credentials fit the
// authentication method: what it needs is there, what it would ignore is
// not, and a key fits its algorithm. It runs for the data source and the
// ephemeral resource alike, and skips while any credential is unknown.
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
	if isTLSMethod(r.AuthMethod) && len(r.CertificatePEM) == 0 && len(r.PrivateKeyPEM) == 0 {
		return diags // the provider's client certificate may serve; checked when read
	}
	if err := r.ValidateAuth(); err != nil {
		diags.AddAttributeError(path.Root("auth_method"), "Invalid Client Authentication", capitalize(err.Error())+".")
	}
	return diags
}

// credentials are the attributes the client authentication rules read,
// by name. (The whole model cannot be read while lists may be unknown.)
func (m *tokenModel) credentials() map[string]*types.String {
	return map[string]*types.String{
		"client_id": &m.ClientID, "client_secret": &m.ClientSecret, "auth_method": &m.AuthMethod, "request_format": &m.RequestFormat,
		"private_key_pem": &m.PrivateKeyPEM, "private_key_file": &m.PrivateKeyFile, "certificate_pem": &m.CertificatePEM,
		"certificate_file": &m.CertificateFile, "signing_algorithm": &m.SigningAlgorithm, "key_id": &m.KeyID,
		"assertion_audience": &m.AssertionAudience, "client_assertion": &m.ClientAssertion, "client_assertion_file": &m.ClientAssertionFile,
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
