package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// twin describes a data source and its ephemeral twin: one type name, one
// schema (data-source literals, converted for the ephemeral kind), one model
// and one read that fills the model's results. Only the framework's
// interfaces differ between the two kinds, and twinDataSource and
// twinEphemeral implement them once for every such pair. A kind whose
// ephemeral resource differs (clientcreds_token's revokes its token)
// registers only the twin's data source, and leaves ephemeralDescription
// empty.
type twin[M any] struct {
	// typeName follows the provider's type name, as "_oidc_discovery".
	typeName string
	attrs    map[string]dschema.Attribute
	// dataDescription and ephemeralDescription are each kind's
	// MarkdownDescription.
	dataDescription, ephemeralDescription string
	// read fills the results of a model that holds the configuration,
	// with the provider configured.
	read func(m *M, ctx context.Context, pd *providerData) diag.Diagnostics
	// validate checks a configuration beyond the schema; nil for none.
	validate func(cfg tfsdk.Config) diag.Diagnostics
}

// dataSource and ephemeral are the constructors the provider registers.
func (t *twin[M]) dataSource() datasource.DataSource { return &twinDataSource[M]{t: t} }

func (t *twin[M]) ephemeral() ephemeral.EphemeralResource {
	return &twinEphemeral[M]{ephemeralBase{typeName: t.typeName, description: t.ephemeralDescription, attrs: t.attrs}, t}
}

// open reads the configuration into a model and fills its results; the
// model is nil when diagnostics hold an error.
func (t *twin[M]) open(ctx context.Context, cfg tfsdk.Config, pd *providerData, diags *diag.Diagnostics) *M {
	var m M
	diags.Append(getModel(ctx, cfg, &m)...)
	if diags.HasError() {
		return nil
	}
	if pd == nil {
		diags.Append(notConfigured())
		return nil
	}
	if diags.Append(t.read(&m, ctx, pd)...); diags.HasError() {
		return nil
	}
	return &m
}

func (t *twin[M]) validateConfig(cfg tfsdk.Config, diags *diag.Diagnostics) {
	if t.validate != nil {
		diags.Append(t.validate(cfg)...)
	}
}

// twinDataSource is a twin as a data source: its results go to state.
type twinDataSource[M any] struct {
	dataSourceConfigured
	t *twin[M]
}

func (d *twinDataSource[M]) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + d.t.typeName
}

func (d *twinDataSource[M]) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dschema.Schema{MarkdownDescription: d.t.dataDescription, Attributes: d.t.attrs}
}

func (d *twinDataSource[M]) ValidateConfig(_ context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	d.t.validateConfig(req.Config, &resp.Diagnostics)
}

func (d *twinDataSource[M]) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if m := d.t.open(ctx, req.Config, d.pd, &resp.Diagnostics); m != nil {
		resp.Diagnostics.Append(setState(ctx, &resp.State, m)...)
	}
}

// twinEphemeral is a twin as an ephemeral resource (Terraform 1.10+): its
// results are never written to state or a plan.
type twinEphemeral[M any] struct {
	ephemeralBase
	t *twin[M]
}

func (e *twinEphemeral[M]) ValidateConfig(_ context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	e.t.validateConfig(req.Config, &resp.Diagnostics)
}

func (e *twinEphemeral[M]) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	if m := e.t.open(ctx, req.Config, e.pd, &resp.Diagnostics); m != nil {
		resp.Diagnostics.Append(setResult(ctx, &resp.Result, m)...)
	}
}
