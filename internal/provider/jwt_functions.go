package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/jwtdecode"
)

var _ function.Function = (*jwtFunction)(nil)

// jwtFunction is provider::clientcreds::jwt_claims or ::jwt_header: one part
// of a JWT, decoded and never verified, as a Terraform object.
type jwtFunction struct {
	name, part string // part: "claims" or "header"
}

func newJWTClaimsFunction() function.Function {
	return &jwtFunction{name: "jwt_claims", part: "claims"}
}
func newJWTHeaderFunction() function.Function {
	return &jwtFunction{name: "jwt_header", part: "header"}
}

func (f *jwtFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = f.name
}

func (f *jwtFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	what := map[string]string{
		"claims": "the payload's claims (`exp`, `aud`, `scp`, `roles`, ...)",
		"header": "the header (`alg`, `kid`, `typ`, ...)",
	}[f.part]
	resp.Definition = function.Definition{
		Summary: fmt.Sprintf("Reads a JWT's %s without verifying its signature", f.part),
		MarkdownDescription: fmt.Sprintf("Returns %s of a JWT (a compact JWS) as an object, **without verifying the signature**: "+
			"the values are for reading, never for trusting. Use them in `check` blocks, outputs and conditions to see what a "+
			"token carries; an API that receives the token verifies it. Numbers stay numbers, arrays become lists (tuples when "+
			"their elements differ in type), nested objects stay objects, and a JSON null becomes a null string. Base64url with "+
			"or without padding is accepted, and any `typ` (`JWT`, `at+jwt`, ...). A token that is not a JWT (opaque tokens are "+
			"common) is an error that does not quote the token. Sensitive and ephemeral tokens can be passed: Terraform keeps "+
			"those marks on the result. Needs Terraform 1.8 or newer (OpenTofu 1.7).", what),
		Parameters: []function.Parameter{
			function.StringParameter{Name: "token", MarkdownDescription: "A JWT, such as `access_token` of `clientcreds_token`."},
		},
		Return: function.DynamicReturn{},
	}
}

func (f *jwtFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var token string
	resp.Error = function.ConcatFuncErrors(req.Arguments.Get(ctx, &token))
	if resp.Error != nil {
		return
	}
	v, err := jwtPart(token, f.part)
	if err != nil {
		// Terraform writes "Invalid value for "token" parameter: <text>."
		resp.Error = function.NewArgumentFuncError(0, capitalFirst(err.Error()))
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Result.Set(ctx, types.DynamicValue(v)))
}

// jwtPart is a token's "claims" or "header" as a Terraform value.
func jwtPart(token, part string) (attr.Value, error) {
	header, claims, err := jwtdecode.Decode(token)
	if err != nil {
		return nil, err
	}
	if part == "header" {
		claims = header
	}
	v, err := jsonToValue(claims)
	if err != nil {
		return nil, fmt.Errorf("the token's %s cannot be represented: %w", part, err)
	}
	return v, nil
}

// jsonToValue turns a decoded JSON value into a Terraform value of the
// matching type.
func jsonToValue(v any) (attr.Value, error) {
	switch x := v.(type) {
	case nil:
		return types.StringNull(), nil
	case string:
		return types.StringValue(x), nil
	case bool:
		return types.BoolValue(x), nil
	case json.Number:
		f, _, err := big.ParseFloat(x.String(), 10, 512, big.ToNearestEven)
		if err != nil {
			return nil, fmt.Errorf("the number %s", x)
		}
		return types.NumberValue(f), nil
	case []any:
		elems := make([]attr.Value, 0, len(x))
		typs := make([]attr.Type, 0, len(x))
		for _, e := range x {
			ev, err := jsonToValue(e)
			if err != nil {
				return nil, err
			}
			elems, typs = append(elems, ev), append(typs, ev.Type(context.Background()))
		}
		if len(elems) == 0 {
			return types.ListValueMust(types.StringType, nil), nil
		}
		for _, t := range typs[1:] {
			if !t.Equal(typs[0]) {
				return types.TupleValueMust(typs, elems), nil
			}
		}
		return types.ListValueMust(typs[0], elems), nil
	case map[string]any:
		attrs := make(map[string]attr.Value, len(x))
		typs := make(map[string]attr.Type, len(x))
		for k, e := range x {
			ev, err := jsonToValue(e)
			if err != nil {
				return nil, err
			}
			attrs[k], typs[k] = ev, ev.Type(context.Background())
		}
		return types.ObjectValueMust(typs, attrs), nil
	}
	return nil, fmt.Errorf("a JSON value of Go type %T", v)
}

// capitalFirst makes a message fragment start a sentence.
func capitalFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
