package provider

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The codec must answer exactly as the framework's Get and Set would, for
// every model it serves and every shape of configuration: all null, all
// set, empty collections, and unknown values (which it leaves to the
// framework, errors included).
func TestModelCodecAgreesWithTheFramework(t *testing.T) {
	ctx := context.Background()
	dataSchema := func(ds datasource.DataSource) tfsdk.Config {
		var r datasource.SchemaResponse
		ds.Schema(ctx, datasource.SchemaRequest{}, &r)
		return tfsdk.Config{Schema: r.Schema}
	}
	ephemeralSchema := func(e ephemeral.EphemeralResource) tfsdk.Config {
		var r ephemeral.SchemaResponse
		e.Schema(ctx, ephemeral.SchemaRequest{}, &r)
		return tfsdk.Config{Schema: r.Schema}
	}
	t.Run("clientcreds_token", func(t *testing.T) { codecAgrees[tokenDataModel](t, dataSchema(tokenTwin.dataSource())) })
	t.Run("clientcreds_oidc_discovery", func(t *testing.T) { codecAgrees[discoveryModel](t, dataSchema(discoveryTwin.dataSource())) })
	t.Run("clientcreds_oidc_discovery ephemeral", func(t *testing.T) {
		codecAgrees[discoveryModel](t, ephemeralSchema(discoveryTwin.ephemeral()))
	})
	t.Run("clientcreds_token_exchange", func(t *testing.T) { codecAgrees[exchangeModel](t, dataSchema(exchangeTwin.dataSource())) })
	t.Run("clientcreds_signing_key", func(t *testing.T) { codecAgrees[signingKeyModel](t, dataSchema(signingKeyTwin.dataSource())) })
	t.Run("clientcreds_token ephemeral", func(t *testing.T) { codecAgrees[tokenEphemeralModel](t, ephemeralSchema(newTokenEphemeral())) })
	t.Run("clientcreds_proxy", func(t *testing.T) { codecAgrees[proxyModel](t, ephemeralSchema(newProxyEphemeral())) })
	t.Run("clientcreds_workload_identity_token", func(t *testing.T) {
		codecAgrees[identityModel](t, ephemeralSchema(newIdentityEphemeral()))
	})
}

// A model that does not match its schema is left to the framework, whose
// error the caller then gets.
func TestModelCodecLeavesAMismatchToTheFramework(t *testing.T) {
	ctx := context.Background()
	var r datasource.SchemaResponse
	tokenTwin.dataSource().Schema(ctx, datasource.SchemaRequest{}, &r)
	type partial struct {
		TokenURL string `tfsdk:"token_url"`
	}
	if c := buildCodec(ctx, reflect.TypeFor[partial](), r.Schema); c != nil {
		t.Fatal("a model with one field of 45 was given a codec")
	}
	typ, _ := r.Schema.Type().TerraformType(ctx).(tftypes.Object)
	cfg := tfsdk.Config{Schema: r.Schema, Raw: shapedValue(typ, "null")}
	var m partial
	if d := getModel(ctx, cfg, &m); !d.HasError() {
		t.Error("reading into a model that lacks the schema's attributes gave no error")
	}
}

func codecAgrees[M any](t *testing.T, cfg tfsdk.Config) {
	ctx := context.Background()
	if codecOf[M](ctx, cfg.Schema) == nil {
		t.Fatalf("no codec for %T: every read of it would pay the framework's reflection", *new(M))
	}
	typ, _ := cfg.Schema.Type().TerraformType(ctx).(tftypes.Object)
	for _, shape := range []string{"null", "set", "empty", "unknown"} {
		cfg.Raw = shapedValue(typ, shape)
		var ours, theirs M
		dOurs, dTheirs := getModel(ctx, cfg, &ours), cfg.Get(ctx, &theirs)
		if shape == "unknown" && (dOurs.HasError() || dTheirs.HasError()) {
			// The framework stops at the first field it cannot fill, in
			// map order: compare the error, not which field it names.
			if !dOurs.HasError() || !dTheirs.HasError() || dOurs[0].Summary() != dTheirs[0].Summary() {
				t.Fatalf("unknown: read diagnostics %v; the framework's %v", dOurs, dTheirs)
			}
			continue
		}
		if !dOurs.Equal(dTheirs) {
			t.Fatalf("%s: read diagnostics %v; the framework's %v", shape, dOurs, dTheirs)
		}
		if !reflect.DeepEqual(ours, theirs) {
			t.Fatalf("%s: read\n%+v\nthe framework read\n%+v", shape, ours, theirs)
		}
		if dTheirs.HasError() {
			continue
		}
		null := tftypes.NewValue(typ, nil)
		st, stTheirs := tfsdk.State{Schema: cfg.Schema, Raw: null}, tfsdk.State{Schema: cfg.Schema, Raw: null}
		dOurs, dTheirs = setState(ctx, &st, &ours), stTheirs.Set(ctx, &theirs)
		if !dOurs.Equal(dTheirs) || !st.Raw.Equal(stTheirs.Raw) {
			t.Fatalf("%s: state written %v (%v); the framework wrote %v (%v)", shape, st.Raw, dOurs, stTheirs.Raw, dTheirs)
		}
		res, resTheirs := tfsdk.EphemeralResultData{Schema: cfg.Schema, Raw: null}, tfsdk.EphemeralResultData{Schema: cfg.Schema, Raw: null}
		dOurs, dTheirs = setResult(ctx, &res, &ours), resTheirs.Set(ctx, &theirs)
		if !dOurs.Equal(dTheirs) || !res.Raw.Equal(resTheirs.Raw) {
			t.Fatalf("%s: result written %v (%v); the framework wrote %v (%v)", shape, res.Raw, dOurs, resTheirs.Raw, dTheirs)
		}
	}
}

// shapedValue is an object of typ whose every attribute is null, set (a
// value of its type), an empty collection (collections; others set), or
// unknown (collections; others set).
func shapedValue(typ tftypes.Object, shape string) tftypes.Value {
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = shapedAttr(name, at, shape)
	}
	return tftypes.NewValue(typ, vals)
}

func shapedAttr(name string, at tftypes.Type, shape string) tftypes.Value {
	if shape == "null" {
		return tftypes.NewValue(at, nil)
	}
	switch t := at.(type) {
	case tftypes.List:
		switch shape {
		case "empty":
			return tftypes.NewValue(at, []tftypes.Value{})
		case "unknown":
			return tftypes.NewValue(at, tftypes.UnknownValue)
		}
		return tftypes.NewValue(at, []tftypes.Value{shapedAttr(name+"0", t.ElementType, "set"), shapedAttr(name+"1", t.ElementType, "set")})
	case tftypes.Map:
		switch shape {
		case "empty":
			return tftypes.NewValue(at, map[string]tftypes.Value{})
		case "unknown":
			return tftypes.NewValue(at, tftypes.UnknownValue)
		}
		return tftypes.NewValue(at, map[string]tftypes.Value{"k": shapedAttr(name+"k", t.ElementType, "set")})
	}
	switch {
	case at.Is(tftypes.String):
		return tftypes.NewValue(at, "v-"+name)
	case at.Is(tftypes.Bool):
		return tftypes.NewValue(at, true)
	case at.Is(tftypes.Number):
		return tftypes.NewValue(at, 7)
	}
	panic(fmt.Sprintf("shapedAttr: no value for %s of type %s", name, at))
}
