package provider

import (
	"context"
	"reflect"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The framework's tfsdk Get and Set map a model by reflection at about
// 0.45 ms and 160-200 kB a call on clientcreds_token's 45 attributes: for
// every field they compile a regular expression and copy the schema's
// attribute map. A data source read pays both, in a process Terraform starts
// for little else (make bench, ReadDataSource). modelCodec does the same
// mapping from the tfsdk tags, worked out once per model type, in some
// 20 µs. Whatever it does not know (a nested block, a pointer, an unknown
// value in a Go slice or map, a model that does not match the schema) it
// hands to the framework, so that every answer, error included, is the
// framework's: TestModelCodecAgreesWithTheFramework holds it to that.

// getModel reads cfg into the model m points to, as cfg.Get does.
func getModel[M any](ctx context.Context, cfg tfsdk.Config, m *M) diag.Diagnostics {
	if c := codecOf[M](ctx, cfg.Schema); c != nil && c.decode(ctx, cfg.Raw, reflect.ValueOf(m).Elem()) {
		return nil
	}
	return cfg.Get(ctx, m)
}

// setState writes the model m points to into st, as st.Set does.
func setState[M any](ctx context.Context, st *tfsdk.State, m *M) diag.Diagnostics {
	if encodeModel(ctx, st.Schema, &st.Raw, m) {
		return nil
	}
	return st.Set(ctx, m)
}

// setResult writes the model m points to into an ephemeral resource's
// result, as r.Set does.
func setResult[M any](ctx context.Context, r *tfsdk.EphemeralResultData, m *M) diag.Diagnostics {
	if encodeModel(ctx, r.Schema, &r.Raw, m) {
		return nil
	}
	return r.Set(ctx, m)
}

// encodeModel replaces *raw with the model m points to, of raw's type;
// false, leaving *raw, where the framework must do it.
func encodeModel[M any](ctx context.Context, schema typedSchema, raw *tftypes.Value, m *M) bool {
	c := codecOf[M](ctx, schema)
	if c == nil {
		return false
	}
	v, ok := c.encode(ctx, raw.Type(), reflect.ValueOf(m).Elem())
	if ok {
		*raw = v
	}
	return ok
}

// modelCodec maps one model type: a field per schema attribute.
type modelCodec struct {
	fields []codecField
}

type codecField struct {
	name  string
	index []int
	// typ is the attribute's framework type, for fields of a framework
	// value type (types.String, types.Map...); nil for []string and
	// map[string]string.
	typ attr.Type
	// kind is the Go kind of a field holding no framework value: Slice or
	// Map of strings.
	kind reflect.Kind
}

// codecs holds each model type's codec, or nil where the framework must do
// the mapping.
var codecs sync.Map // reflect.Type -> *modelCodec

// typedSchema is what a codec needs of a schema (tfsdk's data source and
// ephemeral resource schemas have it).
type typedSchema interface{ Type() attr.Type }

// codecOf is M's codec, worked out from schema at first use.
func codecOf[M any](ctx context.Context, schema typedSchema) *modelCodec {
	t := reflect.TypeFor[M]()
	if c, ok := codecs.Load(t); ok {
		c, _ := c.(*modelCodec)
		return c
	}
	c := buildCodec(ctx, t, schema)
	codecs.Store(t, c)
	return c
}

var (
	attrValueType = reflect.TypeFor[attr.Value]()
	stringsType   = reflect.TypeFor[[]string]()
	stringMapType = reflect.TypeFor[map[string]string]()
)

// buildCodec maps t's tagged fields (embedded structs' included) to the
// schema's attributes, or is nil when some field or attribute is not one
// it maps.
func buildCodec(ctx context.Context, t reflect.Type, schema typedSchema) *modelCodec {
	if schema == nil || t.Kind() != reflect.Struct {
		return nil
	}
	obj, ok := schema.Type().(attr.TypeWithAttributeTypes)
	if !ok {
		return nil
	}
	attrTypes := obj.AttributeTypes()
	c := &modelCodec{}
	if !c.addFields(ctx, t, nil, attrTypes) || len(c.fields) != len(attrTypes) {
		return nil
	}
	return c
}

func (c *modelCodec) addFields(ctx context.Context, t reflect.Type, prefix []int, attrTypes map[string]attr.Type) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		tag, tagged := f.Tag.Lookup("tfsdk")
		switch {
		case f.Anonymous && !tagged && f.Type.Kind() == reflect.Struct:
			if !c.addFields(ctx, f.Type, index, attrTypes) {
				return false
			}
			continue
		case tag == "-" || !f.IsExported():
			continue
		case !tagged || strings.Contains(tag, ","):
			return false
		}
		at, ok := attrTypes[tag]
		if !ok {
			return false
		}
		field := codecField{name: tag, index: index}
		switch {
		case f.Type.Implements(attrValueType) && reflect.TypeOf(at.ValueType(ctx)) == f.Type:
			field.typ = at
		case f.Type == stringsType && at.TerraformType(ctx).Is(tftypes.List{ElementType: tftypes.String}):
			field.kind = reflect.Slice
		case f.Type == stringMapType && at.TerraformType(ctx).Is(tftypes.Map{ElementType: tftypes.String}):
			field.kind = reflect.Map
		default:
			return false
		}
		c.fields = append(c.fields, field)
	}
	return true
}

// decode fills model from raw; false leaves the call to the framework.
func (c *modelCodec) decode(ctx context.Context, raw tftypes.Value, model reflect.Value) bool {
	var attrs map[string]tftypes.Value
	if !raw.IsKnown() || raw.IsNull() || raw.As(&attrs) != nil || len(attrs) != len(c.fields) {
		return false
	}
	out := reflect.New(model.Type()).Elem()
	for _, f := range c.fields {
		v, ok := attrs[f.name]
		if !ok {
			return false
		}
		var got any
		switch {
		case f.typ != nil:
			av, err := f.typ.ValueFromTerraform(ctx, v)
			if err != nil {
				return false
			}
			got = av
		case f.kind == reflect.Slice:
			if got, ok = decodeStrings(v); !ok {
				return false
			}
		default:
			if got, ok = decodeStringMap(v); !ok {
				return false
			}
		}
		if got != nil {
			out.FieldByIndex(f.index).Set(reflect.ValueOf(got))
		}
	}
	model.Set(out)
	return true
}

func decodeStrings(v tftypes.Value) ([]string, bool) {
	var elems []tftypes.Value
	if !v.IsKnown() || (!v.IsNull() && v.As(&elems) != nil) {
		return nil, false
	}
	if v.IsNull() {
		return nil, true
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		if !e.IsKnown() || e.IsNull() || e.As(&out[i]) != nil {
			return nil, false
		}
	}
	return out, true
}

func decodeStringMap(v tftypes.Value) (map[string]string, bool) {
	var elems map[string]tftypes.Value
	if !v.IsKnown() || (!v.IsNull() && v.As(&elems) != nil) {
		return nil, false
	}
	if v.IsNull() {
		return nil, true
	}
	out := make(map[string]string, len(elems))
	for k, e := range elems {
		var s string
		if !e.IsKnown() || e.IsNull() || e.As(&s) != nil {
			return nil, false
		}
		out[k] = s
	}
	return out, true
}

// encode is model as a value of typ; false leaves the call to the
// framework.
func (c *modelCodec) encode(ctx context.Context, typ tftypes.Type, model reflect.Value) (tftypes.Value, bool) {
	obj, ok := typ.(tftypes.Object)
	if !ok || len(obj.AttributeTypes) != len(c.fields) {
		return tftypes.Value{}, false
	}
	vals := make(map[string]tftypes.Value, len(c.fields))
	for _, f := range c.fields {
		at, ok := obj.AttributeTypes[f.name]
		if !ok {
			return tftypes.Value{}, false
		}
		switch fv := model.FieldByIndex(f.index).Interface().(type) {
		case attr.Value:
			tv, err := fv.ToTerraformValue(ctx)
			if err != nil {
				return tftypes.Value{}, false
			}
			vals[f.name] = tv
		case []string:
			if fv == nil {
				vals[f.name] = tftypes.NewValue(at, nil)
				continue
			}
			elems := make([]tftypes.Value, len(fv))
			for i, s := range fv {
				elems[i] = tftypes.NewValue(tftypes.String, s)
			}
			vals[f.name] = tftypes.NewValue(at, elems)
		case map[string]string:
			if fv == nil {
				vals[f.name] = tftypes.NewValue(at, nil)
				continue
			}
			elems := make(map[string]tftypes.Value, len(fv))
			for k, s := range fv {
				elems[k] = tftypes.NewValue(tftypes.String, s)
			}
			vals[f.name] = tftypes.NewValue(at, elems)
		default:
			return tftypes.Value{}, false
		}
	}
	if tftypes.ValidateValue(obj, vals) != nil {
		return tftypes.Value{}, false
	}
	return tftypes.NewValue(obj, vals), true
}
