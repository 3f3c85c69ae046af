package provider

import (
	"fmt"
	"maps"

	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	eschema "github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
)

// A data source and its ephemeral twin take the same arguments and give the
// same results, but the framework has a schema package for each kind. The
// attributes are written once, as data-source schema literals, and the
// ephemeral ones are derived from them by struct conversion: the two
// packages' attribute types have identical fields, so the conversion
// compiles only while they do, and drift becomes a build error.

// ephemeralAttributes converts data-source attributes to the ephemeral
// package's. An attribute type without a case here is a programming error
// and panics when the schema is first built, which every test does.
func ephemeralAttributes(in map[string]dschema.Attribute) map[string]eschema.Attribute {
	out := make(map[string]eschema.Attribute, len(in))
	for name, a := range in {
		switch a := a.(type) {
		case dschema.StringAttribute:
			out[name] = eschema.StringAttribute(a)
		case dschema.BoolAttribute:
			out[name] = eschema.BoolAttribute(a)
		case dschema.Int64Attribute:
			out[name] = eschema.Int64Attribute(a)
		case dschema.ListAttribute:
			out[name] = eschema.ListAttribute(a)
		case dschema.MapAttribute:
			out[name] = eschema.MapAttribute(a)
		default:
			panic(fmt.Sprintf("attribute %q: no ephemeral counterpart for %T", name, a))
		}
	}
	return out
}

// withAttributes returns base plus extras, for the few attributes one kind
// adds; a name defined twice is a programming error.
func withAttributes[A any](base map[string]A, extras ...map[string]A) map[string]A {
	out := maps.Clone(base)
	for _, extra := range extras {
		for name, a := range extra {
			if _, dup := out[name]; dup {
				panic(fmt.Sprintf("attribute %q is defined twice", name))
			}
			out[name] = a
		}
	}
	return out
}
