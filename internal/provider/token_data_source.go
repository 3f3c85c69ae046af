package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// tokenTwin is clientcreds_token as a data source: any Terraform version,
// the token kept in state. Only its data source is registered: the
// ephemeral resource (token_ephemeral.go) has a schema, revocation and a
// Close of its own.
var tokenTwin = &twin[tokenDataModel]{
	typeName: "_token",
	attrs:    tokenGrantAttrs,
	dataDescription: tokenDescription + " The token is stored in state: where Terraform 1.10 or newer " +
		"is available, prefer the `clientcreds_token` ephemeral resource, which never stores it.",
	read:     (*tokenDataModel).fetch,
	validate: validateTokenConfig,
}

// fetch requests the token and fills the model's results.
func (m *tokenDataModel) fetch(ctx context.Context, pd *providerData) diag.Diagnostics {
	_, f, diags := pd.fetch(ctx, tokenFetch{args: &m.tokenModel, build: grantRequest(&m.tokenModel, &m.grantModel)})
	if !diags.HasError() {
		m.set(f)
	}
	return diags
}
