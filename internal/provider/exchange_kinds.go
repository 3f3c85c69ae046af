package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	esschema "github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
)

var (
	_ datasource.DataSourceWithConfigure            = (*exchangeDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig       = (*exchangeDataSource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure      = (*exchangeEphemeral)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*exchangeEphemeral)(nil)
)

// exchangeDataSource and exchangeEphemeral are clientcreds_token_exchange as
// each kind: one schema, one model, one fetch; only the framework's
// interfaces differ.
type exchangeDataSource struct{ pd *providerData }

type exchangeEphemeral struct{ pd *providerData }

func newExchangeDataSource() datasource.DataSource      { return &exchangeDataSource{} }
func newExchangeEphemeral() ephemeral.EphemeralResource { return &exchangeEphemeral{} }

func (d *exchangeDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_token_exchange"
}

func (d *exchangeDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dschema.Schema{Attributes: exchangeAttrs, MarkdownDescription: exchangeDescription +
		" The issued token is stored in state; where the consumer takes ephemeral values, prefer the ephemeral resource."}
}

func (d *exchangeDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.pd = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *exchangeDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m exchangeModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if resp.Diagnostics.Append(m.exchange(ctx, d.pd)...); resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (d *exchangeDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	resp.Diagnostics.Append(validateExchangeConfig(req.Config)...)
}

func (e *exchangeEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_token_exchange"
}

func (e *exchangeEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = esschema.Schema{Attributes: ephemeralAttributes(exchangeAttrs), MarkdownDescription: exchangeDescription +
		" As an ephemeral resource (Terraform 1.10+), neither the subject token nor the issued token is written to state or a plan."}
}

func (e *exchangeEphemeral) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.pd = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (e *exchangeEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m exchangeModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if resp.Diagnostics.Append(m.exchange(ctx, e.pd)...); resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}

func (e *exchangeEphemeral) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	resp.Diagnostics.Append(validateExchangeConfig(req.Config)...)
}
