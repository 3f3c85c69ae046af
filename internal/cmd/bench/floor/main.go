// Command floor is the least a terraform-plugin-framework provider can be,
// for `make bench` to measure this provider against: no provider
// arguments, and one data source, floor_get, that makes one HTTP GET and
// keeps the answer's status and length. The benchmark builds it into a
// temporary directory and plans one floor_get beside one clientcreds_token,
// both against the local authorization server, so that what the framework
// and Terraform cost every provider is told apart from what this one adds.
package main

import (
	"context"
	"io"
	"log"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/cmd/bench/rpctime"
)

func main() {
	// rpctime.Wrap is the server itself unless the benchmark times requests.
	serve := providerserver.NewProtocol6(floor{})
	err := tf6server.Serve("registry.terraform.io/clientcreds/floor", func() tfprotov6.ProviderServer {
		return rpctime.Wrap(serve())
	})
	if err != nil {
		log.Fatal(err)
	}
}

type floor struct{}

func (floor) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "floor"
}

func (floor) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (floor) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {}

func (floor) Resources(context.Context) []func() resource.Resource { return nil }

func (floor) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{func() datasource.DataSource { return get{} }}
}

// get is floor_get: one GET of url.
type get struct{}

type getModel struct {
	URL    types.String `tfsdk:"url"`
	Status types.Int64  `tfsdk:"status"`
	Length types.Int64  `tfsdk:"length"`
}

func (get) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_get"
}

func (get) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dschema.Schema{Attributes: map[string]dschema.Attribute{
		"url":    dschema.StringAttribute{Required: true},
		"status": dschema.Int64Attribute{Computed: true},
		"length": dschema.Int64Attribute{Computed: true},
	}}
}

func (get) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m getModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, m.URL.ValueString(), nil)
	if err != nil {
		resp.Diagnostics.AddError("Bad URL", err.Error())
		return
	}
	answer, err := http.DefaultClient.Do(r)
	if err != nil {
		resp.Diagnostics.AddError("GET Failed", err.Error())
		return
	}
	defer func() { _ = answer.Body.Close() }()
	n, err := io.Copy(io.Discard, answer.Body)
	if err != nil {
		resp.Diagnostics.AddError("GET Failed", err.Error())
		return
	}
	m.Status, m.Length = types.Int64Value(int64(answer.StatusCode)), types.Int64Value(n)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
