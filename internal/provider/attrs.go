package provider

import (
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	eschema "github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The data sources and their ephemeral twins take the same arguments and give
// the same results, but the framework has a schema package for each kind.
// Attributes are therefore described once, as attrSpecs, and rendered into
// either package by the two functions below; nothing else knows the difference.

type attrKind int

const (
	kindString attrKind = iota
	kindBool
	kindInt64
	kindStringList
	kindStringMap
)

type attrMode int

const (
	required attrMode = iota
	optional
	computed
	optionalComputed // set by the user, or filled in by the provider
)

type attrSpec struct {
	kind      attrKind
	mode      attrMode
	sensitive bool
	desc      string // Markdown; defaults are stated here, the registry docs come from it
	strings   []validator.String
	lists     []validator.List
	maps      []validator.Map
	int64s    []validator.Int64
}

type attrSpecs map[string]attrSpec

func (m attrMode) flags() (req, opt, comp bool) {
	return m == required, m == optional || m == optionalComputed, m == computed || m == optionalComputed
}

func (specs attrSpecs) dataSource() map[string]dschema.Attribute {
	out := make(map[string]dschema.Attribute, len(specs))
	for name, a := range specs {
		req, opt, comp := a.mode.flags()
		switch a.kind {
		case kindString:
			out[name] = dschema.StringAttribute{Required: req, Optional: opt, Computed: comp, Sensitive: a.sensitive, MarkdownDescription: a.desc, Validators: a.strings}
		case kindBool:
			out[name] = dschema.BoolAttribute{Required: req, Optional: opt, Computed: comp, Sensitive: a.sensitive, MarkdownDescription: a.desc}
		case kindInt64:
			out[name] = dschema.Int64Attribute{Required: req, Optional: opt, Computed: comp, Sensitive: a.sensitive, MarkdownDescription: a.desc, Validators: a.int64s}
		case kindStringList:
			out[name] = dschema.ListAttribute{ElementType: types.StringType, Required: req, Optional: opt, Computed: comp, Sensitive: a.sensitive, MarkdownDescription: a.desc, Validators: a.lists}
		case kindStringMap:
			out[name] = dschema.MapAttribute{ElementType: types.StringType, Required: req, Optional: opt, Computed: comp, Sensitive: a.sensitive, MarkdownDescription: a.desc, Validators: a.maps}
		}
	}
	return out
}

func (specs attrSpecs) ephemeral() map[string]eschema.Attribute {
	out := make(map[string]eschema.Attribute, len(specs))
	for name, a := range specs {
		req, opt, comp := a.mode.flags()
		switch a.kind {
		case kindString:
			out[name] = eschema.StringAttribute{Required: req, Optional: opt, Computed: comp, Sensitive: a.sensitive, MarkdownDescription: a.desc, Validators: a.strings}
		case kindBool:
			out[name] = eschema.BoolAttribute{Required: req, Optional: opt, Computed: comp, Sensitive: a.sensitive, MarkdownDescription: a.desc}
		case kindInt64:
			out[name] = eschema.Int64Attribute{Required: req, Optional: opt, Computed: comp, Sensitive: a.sensitive, MarkdownDescription: a.desc, Validators: a.int64s}
		case kindStringList:
			out[name] = eschema.ListAttribute{ElementType: types.StringType, Required: req, Optional: opt, Computed: comp, Sensitive: a.sensitive, MarkdownDescription: a.desc, Validators: a.lists}
		case kindStringMap:
			out[name] = eschema.MapAttribute{ElementType: types.StringType, Required: req, Optional: opt, Computed: comp, Sensitive: a.sensitive, MarkdownDescription: a.desc, Validators: a.maps}
		}
	}
	return out
}

// with returns specs plus extra, for the few attributes one kind adds.
func (specs attrSpecs) with(extra attrSpecs) attrSpecs {
	out := make(attrSpecs, len(specs)+len(extra))
	for k, v := range specs {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}
