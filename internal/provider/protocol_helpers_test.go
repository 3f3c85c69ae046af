package provider

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

// Fast tests speak the plugin protocol to the provider in-process, as
// Terraform would, without the terraform binary: validation, schemas.

func protoServer(t *testing.T) tfprotov6.ProviderServer {
	t.Helper()
	s, err := providerserver.NewProtocol6WithError(&Provider{version: "test", now: func() time.Time { return testhelp.Now }})()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// providerSchemas returns the data-source and ephemeral schemas by name.
func providerSchemas(t *testing.T) (data, eph map[string]*tfprotov6.Schema) {
	t.Helper()
	resp, err := protoServer(t).GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Fatalf("schema: %s: %s", d.Summary, d.Detail)
	}
	return resp.DataSourceSchemas, resp.EphemeralResourceSchemas
}

// configValue builds a configuration of schema s: the given attributes, the
// rest null.
func configValue(t *testing.T, s *tfprotov6.Schema, attrs map[string]tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	typ := s.ValueType().(tftypes.Object) //nolint:forcetypeassert // a schema's value type is an object
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range attrs {
		if _, ok := typ.AttributeTypes[name]; !ok {
			t.Fatalf("no attribute %q", name)
		}
		vals[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// validate runs Terraform's validate step for one data source or ephemeral
// resource configuration and returns the diagnostics.
func validate(t *testing.T, ephemeral bool, typeName string, attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	t.Helper()
	data, eph := providerSchemas(t)
	srv := protoServer(t)
	ctx := context.Background()
	if ephemeral {
		resp, err := srv.ValidateEphemeralResourceConfig(ctx, &tfprotov6.ValidateEphemeralResourceConfigRequest{
			TypeName: typeName, Config: configValue(t, eph[typeName], attrs)})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Diagnostics
	}
	resp, err := srv.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{
		TypeName: typeName, Config: configValue(t, data[typeName], attrs)})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func strMap(m map[string]string) tftypes.Value {
	vals := map[string]tftypes.Value{}
	for k, v := range m {
		vals[k] = str(v)
	}
	return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, vals)
}
