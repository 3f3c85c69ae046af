package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// The grant clientcreds_token asks for: client credentials, or the JWT
// bearer grant (RFC 7523 §2.1) with its assertion's arguments. The token
// exchange has a grant of its own and none of these.

// Grant names, as grant_type takes them.
const (
	grantClientCredentials = "client_credentials"
	grantJWTBearer         = "jwt_bearer"
)

var serviceAccountForms = oauth.ServiceAccountKeyArgs.All()

var grantAttrs = map[string]dschema.Attribute{
	oauth.ArgGrantType: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "`client_credentials` (RFC 6749 §4.4) or `jwt_bearer` (RFC 7523 §2.1: a signed assertion is the grant; client " +
			"authentication optional). Defaults to `client_credentials`. See [Which grant](../data-sources/token.md#which-grant).",
		Validators: []validator.String{stringvalidator.OneOf(grantClientCredentials, grantJWTBearer)},
	},
	oauth.ArgAssertionIssuer: dschema.StringAttribute{Optional: true, Validators: []validator.String{onlyWithJWTBearer{}},
		MarkdownDescription: "`iss` of the `jwt_bearer` assertion: the service account's email, Salesforce's consumer key. " +
			"Defaults to `client_id`, or the service-account key's `client_email`.",
	},
	oauth.ArgAssertionSubject: dschema.StringAttribute{Optional: true, Validators: []validator.String{onlyWithJWTBearer{}},
		MarkdownDescription: "`sub` of the `jwt_bearer` assertion, where the service takes one: the Salesforce user, the Google " +
			"Workspace user a service account acts for.",
	},
	oauth.ArgAssertionClaims: dschema.MapAttribute{ElementType: types.StringType, Optional: true,
		MarkdownDescription: "Further claims of the `jwt_bearer` assertion, as strings. May not set " + codeList(oauth.ReservedClaims()) +
			", which the provider sets.",
		Validators: []validator.Map{reservedKeys{names: oauth.ReservedClaims(), why: "the provider sets it"}, onlyWithJWTBearer{}},
	},
	"scope_in_assertion": dschema.BoolAttribute{Optional: true, Validators: []validator.Bool{onlyWithJWTBearer{}},
		MarkdownDescription: "Send `scopes` in the `jwt_bearer` assertion's `scope` claim (as Google wants), not as a parameter. " +
			"Defaults to `true` with a service-account key, otherwise `false`.",
	},
	oauth.ArgServiceAccountKey: dschema.StringAttribute{Optional: true, Sensitive: true,
		MarkdownDescription: "A Google service-account key (JSON) for `jwt_bearer`, giving the issuer, key and token endpoint. Sensitive; " +
			"kept in a data source's state, unlike `_file` and `_env`.",
		Validators: append(oneFormOf(oauth.ArgServiceAccountKey, serviceAccountForms), onlyWithJWTBearer{}),
	},
	"instance_url": dschema.StringAttribute{Computed: true,
		MarkdownDescription: "The answer's `instance_url`, where Salesforce's API for the org is; null when the server sends none."},
}

// tokenGrantAttrs are clientcreds_token's attributes: the shared ones and
// the grant's.
var tokenGrantAttrs = withAttributes(tokenAttrs, grantAttrs,
	secretFormAttrs(oauth.ServiceAccountKeyArgs, "the Google service-account key (JSON)", serviceAccountForms, onlyWithJWTBearer{}))

// tokenDataModel is clientcreds_token's model as a data source.
type tokenDataModel struct {
	tokenModel
	grantModel
	tokenResult
	InstanceURL types.String `tfsdk:"instance_url"`
}

// grantModel is the grant's arguments, beside tokenModel in
// clientcreds_token's models and the proxy's.
type grantModel struct {
	GrantType             types.String `tfsdk:"grant_type"`
	AssertionIssuer       types.String `tfsdk:"assertion_issuer"`
	AssertionSubject      types.String `tfsdk:"assertion_subject"`
	AssertionClaims       types.Map    `tfsdk:"assertion_claims"`
	ScopeInAssertion      types.Bool   `tfsdk:"scope_in_assertion"`
	ServiceAccountKey     types.String `tfsdk:"service_account_key"`
	ServiceAccountKeyFile types.String `tfsdk:"service_account_key_file"`
	ServiceAccountKeyEnv  types.String `tfsdk:"service_account_key_env"`
}

// grantRequest is tokenModel's mapping with the grant: build for the
// fetch and the validation of clientcreds_token.
func grantRequest(t *tokenModel, g *grantModel) requestBuilder {
	return func(pd *providerData) (oauth.TokenRequest, diag.Diagnostics) {
		r, diags := t.baseRequest(pd)
		if g.GrantType.ValueString() != grantJWTBearer {
			return r, diags
		}
		claims := map[string]string{}
		if !g.AssertionClaims.IsNull() && !g.AssertionClaims.IsUnknown() {
			for k, v := range g.AssertionClaims.Elements() {
				if s, ok := v.(types.String); ok {
					claims[k] = s.ValueString()
				}
			}
		}
		r.Grant = &oauth.JWTBearer{
			Issuer: g.AssertionIssuer.ValueString(), Subject: g.AssertionSubject.ValueString(), Audience: r.AssertionAudience,
			Claims: claims, ScopeInAssertion: g.ScopeInAssertion.ValueBool(),
			ServiceAccountKey: secretOf(g.ServiceAccountKey, g.ServiceAccountKeyFile, g.ServiceAccountKeyEnv),
		}
		return r, diags
	}
}

// set fills in the results of clientcreds_token from a fetch.
func (m *tokenDataModel) set(f *fetched) {
	f.into(&m.tokenModel, &m.tokenResult)
	m.InstanceURL = nullIfEmpty(f.tok.InstanceURL)
}

// credentials are the grant's attributes the validation reads.
func (g *grantModel) credentials() map[string]*types.String {
	return map[string]*types.String{oauth.ArgGrantType: &g.GrantType, oauth.ArgAssertionIssuer: &g.AssertionIssuer,
		oauth.ArgAssertionSubject: &g.AssertionSubject, oauth.ArgServiceAccountKey: &g.ServiceAccountKey,
		oauth.ArgServiceAccountKeyFile: &g.ServiceAccountKeyFile, oauth.ArgServiceAccountKeyEnv: &g.ServiceAccountKeyEnv}
}

// onlyWithJWTBearer refuses a grant argument set while grant_type is not
// jwt_bearer: it would be silently ignored.
type onlyWithJWTBearer struct{}

func (onlyWithJWTBearer) Description(context.Context) string {
	return "only with grant_type = \"jwt_bearer\""
}

func (v onlyWithJWTBearer) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (onlyWithJWTBearer) check(ctx context.Context, cfg tfsdk.Config, at path.Path, null, unknown bool, diags *diag.Diagnostics) {
	if null || unknown {
		return
	}
	var grant types.String
	if d := cfg.GetAttribute(ctx, path.Root(oauth.ArgGrantType), &grant); d.HasError() || grant.IsUnknown() || grant.ValueString() == grantJWTBearer {
		return
	}
	diags.AddAttributeError(at, "Argument Not Used", fmt.Sprintf("The %s is used only by the jwt_bearer grant; set grant_type = \"jwt_bearer\", or remove it.",
		at.String()))
}

func (v onlyWithJWTBearer) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	v.check(ctx, req.Config, req.Path, req.ConfigValue.IsNull(), req.ConfigValue.IsUnknown(), &resp.Diagnostics)
}

func (v onlyWithJWTBearer) ValidateMap(ctx context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	v.check(ctx, req.Config, req.Path, req.ConfigValue.IsNull(), req.ConfigValue.IsUnknown(), &resp.Diagnostics)
}

func (v onlyWithJWTBearer) ValidateBool(ctx context.Context, req validator.BoolRequest, resp *validator.BoolResponse) {
	v.check(ctx, req.Config, req.Path, req.ConfigValue.IsNull(), req.ConfigValue.IsUnknown(), &resp.Diagnostics)
}
