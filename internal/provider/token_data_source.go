package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
)

var (
	_ datasource.DataSourceWithConfigure      = (*tokenDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*tokenDataSource)(nil)
)

// tokenDataSource is clientcreds_token as a data source: any Terraform
// version, the token kept in state.
type tokenDataSource struct{ dataSourceConfigured }

func newTokenDataSource() datasource.DataSource { return &tokenDataSource{} }

func (d *tokenDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_token"
}

func (d *tokenDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: tokenDescription + " The token is stored in state: where Terraform 1.10 or newer " +
			"is available, prefer the `clientcreds_token` ephemeral resource, which never stores it.",
		Attributes: tokenGrantAttrs,
	}
}

func (d *tokenDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m tokenDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, f, diags := d.pd.fetch(ctx, tokenFetch{args: &m.tokenModel, build: grantRequest(&m.tokenModel, &m.grantModel)})
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.set(f)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (d *tokenDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	resp.Diagnostics.Append(validateTokenConfig(req.Config)...)
}
