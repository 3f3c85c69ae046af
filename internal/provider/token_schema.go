package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

const tokenDescription = "Requests an OAuth 2.0 access token with the client-credentials grant (RFC 6749 §4.4), " +
	"from a token endpoint given directly (`token_url`) or discovered from an `issuer`."

// tokenAttrs is the one description of clientcreds_token's arguments and results.
var tokenAttrs = attrSpecs{
	"token_url": {kind: kindString, mode: optional,
		desc: "Token endpoint URL. Exactly one of `token_url` and `issuer` must be set. " +
			"`http://` is refused except to loopback hosts unless the provider sets `allow_insecure_http`.",
		strings: []validator.String{stringvalidator.ExactlyOneOf(path.MatchRoot("token_url"), path.MatchRoot("issuer"))},
	},
	"issuer": {kind: kindString, mode: optional,
		desc: "Issuer URL whose OpenID discovery document (`<issuer>/.well-known/openid-configuration`) names the token endpoint. " +
			"The document's `issuer` must equal this value exactly; use `clientcreds_oidc_discovery` for other discovery options.",
	},
	"client_id": {kind: kindString, mode: required,
		desc:    "Client identifier. Sent as a string, also in a JSON body (`\"153\"` for Epicollect5's numeric IDs).",
		strings: []validator.String{stringvalidator.LengthAtLeast(1)},
	},
	"client_secret": {kind: kindString, mode: optional, sensitive: true,
		desc: "Client secret. Sensitive: never logged, never in a diagnostic, sent only to the token endpoint. " +
			"Required by `client_secret_basic` and `client_secret_post`.",
	},
	"auth_method": {kind: kindString, mode: optionalComputed,
		desc: "Client authentication: `client_secret_basic` (HTTP Basic, credentials form-encoded as RFC 6749 §2.3.1 says) or " +
			"`client_secret_post` (credentials in the body). Defaults to `client_secret_post` when `request_format` is `json`; " +
			"otherwise to `client_secret_basic`, unless the discovered metadata lists `client_secret_post` and not `client_secret_basic`. " +
			"A rejected request is never retried with the other method. Reports the method used.",
		strings: []validator.String{stringvalidator.OneOf(string(oauth.ClientSecretBasic), string(oauth.ClientSecretPost))},
	},
	"request_format": {kind: kindString, mode: optional,
		desc: "Body of the token request: `form` (`application/x-www-form-urlencoded`, the standard) or `json` " +
			"(every parameter in one JSON object, as Epicollect5 expects). Defaults to `form`.",
		strings: []validator.String{stringvalidator.OneOf(oauth.FormatForm, oauth.FormatJSON)},
	},
	"content_type": {kind: kindString, mode: optional,
		desc: "`Content-Type` of the request body. Defaults to `application/x-www-form-urlencoded` for `form` and " +
			"`application/json` for `json`; Epicollect5 documents `application/vnd.api+json`.",
	},
	"scopes": {kind: kindStringList, mode: optional,
		desc:  "Scopes to request, sent space-separated as `scope`. Microsoft Entra ID expects one `api://<app>/.default` scope. Defaults to none (the server's default scopes).",
		lists: []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
	},
	"audience": {kind: kindString, mode: optional,
		desc: "`audience` parameter, as Auth0 and others require to pick the API the token is for.",
	},
	"resource": {kind: kindStringList, mode: optional,
		desc: "Resource indicators (RFC 8707), each sent as one `resource` parameter; Entra ID v1 endpoints take one here.",
	},
	"extra_params": {kind: kindStringMap, mode: optional,
		desc: "Further body parameters. May not set `grant_type`, `client_id`, `client_secret`, `scope`, `audience` or `resource`, which have attributes of their own.",
	},
	"headers": {kind: kindStringMap, mode: optional,
		desc: "Further HTTP headers for the token request. May not set `Authorization`, `Content-Type`, `Content-Length` or `Host`.",
	},

	"access_token": {kind: kindString, mode: computed, sensitive: true,
		desc: "The access token. Sensitive."},
	"token_type": {kind: kindString, mode: computed,
		desc: "Token type the server gave, usually `Bearer`. A token of another type (`DPoP`, `mac`) is returned with a warning: it cannot be used as a plain Bearer token."},
	"expires_in": {kind: kindInt64, mode: computed,
		desc: "Lifetime in seconds the server gave; null when the server gave none."},
	"expires_at": {kind: kindString, mode: computed,
		desc: "RFC 3339 time at which the token expires, counted from when the request was sent; null when the server gave no lifetime."},
	"scope": {kind: kindString, mode: computed,
		desc: "Scopes granted, as the server listed them; null when the server did not say (then the requested scopes were granted, RFC 6749 §5.1)."},
}

// tokenModel is the configuration and result of clientcreds_token, shared by
// the data source and the ephemeral resource.
type tokenModel struct {
	TokenURL      types.String      `tfsdk:"token_url"`
	Issuer        types.String      `tfsdk:"issuer"`
	ClientID      types.String      `tfsdk:"client_id"`
	ClientSecret  types.String      `tfsdk:"client_secret"`
	AuthMethod    types.String      `tfsdk:"auth_method"`
	RequestFormat types.String      `tfsdk:"request_format"`
	ContentType   types.String      `tfsdk:"content_type"`
	Scopes        []string          `tfsdk:"scopes"`
	Audience      types.String      `tfsdk:"audience"`
	Resource      []string          `tfsdk:"resource"`
	ExtraParams   map[string]string `tfsdk:"extra_params"`
	Headers       map[string]string `tfsdk:"headers"`

	AccessToken types.String `tfsdk:"access_token"`
	TokenType   types.String `tfsdk:"token_type"`
	ExpiresIn   types.Int64  `tfsdk:"expires_in"`
	ExpiresAt   types.String `tfsdk:"expires_at"`
	Scope       types.String `tfsdk:"scope"`
}
