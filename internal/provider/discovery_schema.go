package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

const discoveryDescription = "Fetches and validates an authorization server's metadata document " +
	"(OpenID Connect Discovery 1.0, or RFC 8414) and exposes every standard field."

func endpointAttr(field string) dschema.Attribute {
	return dschema.StringAttribute{Computed: true, MarkdownDescription: "The document's `" + field + "`; null when absent."}
}

func listAttr(field string) dschema.Attribute {
	return dschema.ListAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "The document's `" + field + "`; null when absent."}
}

// discoveryAttrs is the one description of clientcreds_oidc_discovery.
var discoveryAttrs = map[string]dschema.Attribute{
	"issuer": dschema.StringAttribute{Optional: true, Computed: true,
		MarkdownDescription: "Issuer URL. Its document is fetched from the `well_known` location derived from it, or from " +
			"`discovery_url`, and its `issuer` must equal this exactly unless `skip_issuer_check` is set. With only `discovery_url`, " +
			"reports the document's issuer.",
		Validators: []validator.String{urlValidator{}, stringvalidator.AtLeastOneOf(path.MatchRoot("issuer"), path.MatchRoot("discovery_url"))},
	},
	"discovery_url": dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Explicit URL of the metadata document, for servers that publish it elsewhere. Defaults to the URL derived from `issuer`.",
		Validators:          []validator.String{urlValidator{}},
	},
	"well_known": dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Which well-known document to derive from `issuer`: `openid-configuration` (OpenID Connect) or " +
			"`oauth-authorization-server` (RFC 8414 §3.1). Defaults to `openid-configuration`.",
		Validators: []validator.String{stringvalidator.OneOf(oauth.WellKnownOpenID, oauth.WellKnownOAuth)},
	},
	"skip_issuer_check": dschema.BoolAttribute{Optional: true,
		MarkdownDescription: "Accept a document whose `issuer` differs, as multi-tenant servers publish (Entra ID's `common` and " +
			"`organizations`). Defaults to `false`.",
	},

	"authorization_endpoint":                           endpointAttr("authorization_endpoint"),
	"token_endpoint":                                   dschema.StringAttribute{Computed: true, MarkdownDescription: "The document's `token_endpoint`, checked to be an absolute `https://` URL (or loopback `http://`)."},
	"userinfo_endpoint":                                endpointAttr("userinfo_endpoint"),
	"jwks_uri":                                         endpointAttr("jwks_uri"),
	"registration_endpoint":                            endpointAttr("registration_endpoint"),
	"revocation_endpoint":                              endpointAttr("revocation_endpoint"),
	"introspection_endpoint":                           endpointAttr("introspection_endpoint"),
	"device_authorization_endpoint":                    endpointAttr("device_authorization_endpoint"),
	"end_session_endpoint":                             endpointAttr("end_session_endpoint"),
	"pushed_authorization_request_endpoint":            endpointAttr("pushed_authorization_request_endpoint"),
	"scopes_supported":                                 listAttr("scopes_supported"),
	"response_types_supported":                         listAttr("response_types_supported"),
	"response_modes_supported":                         listAttr("response_modes_supported"),
	"grant_types_supported":                            listAttr("grant_types_supported"),
	"subject_types_supported":                          listAttr("subject_types_supported"),
	"id_token_signing_alg_values_supported":            listAttr("id_token_signing_alg_values_supported"),
	"token_endpoint_auth_methods_supported":            listAttr("token_endpoint_auth_methods_supported"),
	"token_endpoint_auth_signing_alg_values_supported": listAttr("token_endpoint_auth_signing_alg_values_supported"),
	"revocation_endpoint_auth_methods_supported":       listAttr("revocation_endpoint_auth_methods_supported"),
	"introspection_endpoint_auth_methods_supported":    listAttr("introspection_endpoint_auth_methods_supported"),
	"code_challenge_methods_supported":                 listAttr("code_challenge_methods_supported"),
	"claims_supported":                                 listAttr("claims_supported"),
	"mtls_endpoint_aliases": dschema.MapAttribute{ElementType: types.StringType, Computed: true,
		MarkdownDescription: "The document's `mtls_endpoint_aliases` (RFC 8705 §5): endpoints to use with mutual TLS; null when absent."},
	"raw_json": dschema.StringAttribute{Computed: true,
		MarkdownDescription: "The whole document, for fields not named here (decode with `jsondecode`). Re-serialised with known " +
			"credentials and JWTs redacted when it held any, as every field here is sanitised."},
}

type discoveryModel struct {
	Issuer          types.String `tfsdk:"issuer"`
	DiscoveryURL    types.String `tfsdk:"discovery_url"`
	WellKnown       types.String `tfsdk:"well_known"`
	SkipIssuerCheck types.Bool   `tfsdk:"skip_issuer_check"`

	AuthorizationEndpoint              types.String      `tfsdk:"authorization_endpoint"`
	TokenEndpoint                      types.String      `tfsdk:"token_endpoint"`
	UserinfoEndpoint                   types.String      `tfsdk:"userinfo_endpoint"`
	JWKSURI                            types.String      `tfsdk:"jwks_uri"`
	RegistrationEndpoint               types.String      `tfsdk:"registration_endpoint"`
	RevocationEndpoint                 types.String      `tfsdk:"revocation_endpoint"`
	IntrospectionEndpoint              types.String      `tfsdk:"introspection_endpoint"`
	DeviceAuthorizationEndpoint        types.String      `tfsdk:"device_authorization_endpoint"`
	EndSessionEndpoint                 types.String      `tfsdk:"end_session_endpoint"`
	PushedAuthorizationRequestEndpoint types.String      `tfsdk:"pushed_authorization_request_endpoint"`
	ScopesSupported                    []string          `tfsdk:"scopes_supported"`
	ResponseTypesSupported             []string          `tfsdk:"response_types_supported"`
	ResponseModesSupported             []string          `tfsdk:"response_modes_supported"`
	GrantTypesSupported                []string          `tfsdk:"grant_types_supported"`
	SubjectTypesSupported              []string          `tfsdk:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported   []string          `tfsdk:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported  []string          `tfsdk:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgs       []string          `tfsdk:"token_endpoint_auth_signing_alg_values_supported"`
	RevocationEndpointAuthMethods      []string          `tfsdk:"revocation_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethods   []string          `tfsdk:"introspection_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported      []string          `tfsdk:"code_challenge_methods_supported"`
	ClaimsSupported                    []string          `tfsdk:"claims_supported"`
	MTLSEndpointAliases                map[string]string `tfsdk:"mtls_endpoint_aliases"`
	RawJSON                            types.String      `tfsdk:"raw_json"`
}

// fetch runs discovery for the data source and the ephemeral resource alike;
// pd is configured (twin.open checks).
func (m *discoveryModel) fetch(ctx context.Context, pd *providerData) diag.Diagnostics {
	var diags diag.Diagnostics
	raw, err := pd.client.Discover(ctx, oauth.DiscoveryRequest{
		Issuer:          m.Issuer.ValueString(),
		DiscoveryURL:    m.DiscoveryURL.ValueString(),
		WellKnown:       m.WellKnown.ValueString(),
		SkipIssuerCheck: m.SkipIssuerCheck.ValueBool(),
	})
	if err != nil {
		diags.Append(errorDiag(err))
		return diags
	}
	// What is kept of the document passes the instance's sanitiser: a
	// server that learned a credential must not get it into state.
	safe := raw.Sanitized(pd.client.Redact())
	md := safe.Metadata
	if len(safe.Changed) > 0 {
		diags.Append(sanitisedWarning(raw.DiscoveryURL, safe.Changed))
	}
	if m.Issuer.ValueString() == "" {
		m.Issuer = nullIfEmpty(md.Issuer)
	}
	m.AuthorizationEndpoint = nullIfEmpty(md.AuthorizationEndpoint)
	m.TokenEndpoint = nullIfEmpty(md.TokenEndpoint)
	m.UserinfoEndpoint = nullIfEmpty(md.UserinfoEndpoint)
	m.JWKSURI = nullIfEmpty(md.JWKSURI)
	m.RegistrationEndpoint = nullIfEmpty(md.RegistrationEndpoint)
	m.RevocationEndpoint = nullIfEmpty(md.RevocationEndpoint)
	m.IntrospectionEndpoint = nullIfEmpty(md.IntrospectionEndpoint)
	m.DeviceAuthorizationEndpoint = nullIfEmpty(md.DeviceAuthorizationEndpoint)
	m.EndSessionEndpoint = nullIfEmpty(md.EndSessionEndpoint)
	m.PushedAuthorizationRequestEndpoint = nullIfEmpty(md.PushedAuthorizationRequestEndpoint)
	m.ScopesSupported = md.ScopesSupported
	m.ResponseTypesSupported = md.ResponseTypesSupported
	m.ResponseModesSupported = md.ResponseModesSupported
	m.GrantTypesSupported = md.GrantTypesSupported
	m.SubjectTypesSupported = md.SubjectTypesSupported
	m.IDTokenSigningAlgValuesSupported = md.IDTokenSigningAlgValuesSupported
	m.TokenEndpointAuthMethodsSupported = md.TokenEndpointAuthMethodsSupported
	m.TokenEndpointAuthSigningAlgs = md.TokenEndpointAuthSigningAlgValuesSupported
	m.RevocationEndpointAuthMethods = md.RevocationEndpointAuthMethodsSupported
	m.IntrospectionEndpointAuthMethods = md.IntrospectionEndpointAuthMethodsSupported
	m.CodeChallengeMethodsSupported = md.CodeChallengeMethodsSupported
	m.ClaimsSupported = md.ClaimsSupported
	m.MTLSEndpointAliases = md.MTLSEndpointAliases
	m.RawJSON = types.StringValue(md.Raw)
	return diags
}

// maxNamedFields caps how many members the sanitised-document warning names.
const maxNamedFields = 20

// sanitisedWarning tells the user that the document kept is not the one the
// server sent, and which members differ; never their values.
func sanitisedWarning(from string, changed []string) diag.Diagnostic {
	names := changed
	more := ""
	if len(names) > maxNamedFields {
		names, more = names[:maxNamedFields], fmt.Sprintf(" and %d more", len(changed)-maxNamedFields)
	}
	return diag.NewWarningDiagnostic("Discovery Document Sanitised",
		fmt.Sprintf("The metadata document from %s held text the provider's sanitiser had to change, in: %s%s. "+
			"A value that held a credential this provider instance knows (a secret it read, a token it was issued), or a JWT, "+
			"is redacted, and a URL that held one is left out (null), since a URL with a part removed would point elsewhere; "+
			"raw_json is re-serialised from the sanitised document. A server that repeats a client's credential has learned it: "+
			"check the server, and consider rotating the credential.",
			redact.URL(from), strings.Join(names, ", "), more))
}

// discoveryTwin is clientcreds_oidc_discovery as a data source and as an
// ephemeral resource, for configurations that keep the whole token flow out
// of state.
var discoveryTwin = &twin[discoveryModel]{
	typeName:             "_oidc_discovery",
	attrs:                discoveryAttrs,
	dataDescription:      discoveryDescription,
	ephemeralDescription: discoveryDescription,
	read:                 (*discoveryModel).fetch,
}
