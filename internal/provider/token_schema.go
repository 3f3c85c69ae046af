package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/identity"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

const tokenDescription = "Requests an OAuth 2.0 access token with the client-credentials grant (RFC 6749 §4.4) or the JWT " +
	"bearer grant (RFC 7523 §2.1: Google service accounts, Salesforce), from `token_url`, an `issuer`'s discovery document, or " +
	"a Google service-account key."

// tokenAttrs is the one description of clientcreds_token's arguments and results.
var tokenAttrs = withAttributes(workloadArgAttrs(""), map[string]dschema.Attribute{
	oauth.ArgTokenURL: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Token endpoint URL. Exactly one of `token_url` and `issuer`, unless a Google service-account key names it. " +
			"`http://` only to loopback unless the provider sets `allow_insecure_http`.",
		Validators: []validator.String{exactlyOneOf{others: []string{"issuer"}, orNoneWith: oauth.ServiceAccountKeyArgs.All()}, urlValidator{}},
	},
	"issuer": dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Issuer URL whose `/.well-known/openid-configuration` names the token endpoint; its `issuer` must match " +
			"exactly. Other discovery options: `clientcreds_oidc_discovery`.",
		Validators: []validator.String{urlValidator{}},
	},
	oauth.ArgClientID: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Client identifier, always sent as a string. Required, except with `grant_type = \"jwt_bearer\"` (where it is " +
			"the assertion's default issuer).",
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	},
	oauth.ArgClientSecret: dschema.StringAttribute{Optional: true, Sensitive: true,
		MarkdownDescription: "Client secret, for the `client_secret_*` methods. Sensitive; kept in a data source's state and saved plans, " +
			"unlike the `_file` and `_env` forms.",
		Validators: oneFormOf(oauth.ArgClientSecret, clientSecretForms),
	},
	oauth.ArgAuthMethod: dschema.StringAttribute{Optional: true, Computed: true,
		MarkdownDescription: "Client authentication: " + codeList(oauth.AuthMethods()) + ". Defaults to what the credentials imply; for " +
			"a secret `client_secret_basic` (`client_secret_post` for `json` or a server listing only it). Reports the method used. " +
			"[More](../data-sources/token.md#client-authentication).",
		Validators: []validator.String{stringvalidator.OneOf(oauth.AuthMethods()...)},
	},
	oauth.ArgPrivateKeyPEM: dschema.StringAttribute{Optional: true, Sensitive: true,
		MarkdownDescription: "PEM private key (RSA of 2048 bits or more, ECDSA, Ed25519) for `private_key_jwt` or mutual TLS. Sensitive; " +
			"kept in a data source's state, unlike `_file` and `_env`. At most one `private_key_*`.",
		Validators: oneFormOf(oauth.ArgPrivateKeyPEM, privateKeyForms),
	},
	oauth.ArgPrivateKeyKMS: dschema.StringAttribute{Optional: true,
		MarkdownDescription: kmsDescription,
		Validators:          append(oneFormOf(oauth.ArgPrivateKeyKMS, privateKeyForms), keyURIValidator{}),
	},
	oauth.ArgAssertionProfile: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Shape of signed client assertions: `rfc7523` (`aud` the token endpoint, `typ` `JWT`) or `rfc7523bis` (`aud` " +
			"the issuer, `typ` `client-authentication+jwt`, for FAPI 2.0). Defaults to `rfc7523`.",
		Validators: []validator.String{stringvalidator.OneOf(oauth.AssertionProfiles()...)},
	},
	oauth.ArgCertificatePEM: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "PEM certificate of the private key: the mutual TLS client certificate (defaults to the provider's " +
			"`client_certificate_pem`), or the `x5t#S256` of `private_key_jwt` assertions. Conflicts with `certificate_file`.",
		Validators: []validator.String{stringvalidator.ConflictsWith(path.MatchRoot(oauth.ArgCertificateFile))},
	},
	oauth.ArgCertificateFile: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Path of a PEM client certificate file; otherwise as `certificate_pem`.",
	},
	oauth.ArgSigningAlgorithm: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Algorithm of the client assertion: for `private_key_jwt` " + codeList(oauth.KeyAlgorithms()) + " as the " +
			"key allows (default `RS256`, or a `private_key_kms` key's own), for `client_secret_jwt` " +
			codeList(oauth.SecretAlgorithms()) + " (default `HS256`).",
		Validators: []validator.String{stringvalidator.OneOf(append(oauth.KeyAlgorithms(), oauth.SecretAlgorithms()...)...)},
	},
	oauth.ArgKeyID: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "`kid` header of `private_key_jwt` assertions. Defaults to the RFC 7638 thumbprint for a `private_key_kms` " +
			"key, none otherwise.",
	},
	oauth.ArgAssertionAudience: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "`aud` of signed assertions. Defaults to the token endpoint (`issuer` with `rfc7523bis`); Okta's org server " +
			"wants the issuer.",
	},
	oauth.ArgClientAssertion: dschema.StringAttribute{Optional: true, Sensitive: true,
		MarkdownDescription: "A client assertion (JWT), sent as is. Sensitive; kept in a data source's state, unlike `_file` and `_env`. " +
			"At most one `client_assertion*` or `workload_identity`.",
		Validators: oneFormOf(oauth.ArgClientAssertion, assertionForms),
	},
	oauth.ArgClientAssertionFile: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Path of a file holding the client assertion, such as a Kubernetes projected token; only the path is stored.",
		Validators:          oneFormOf(oauth.ArgClientAssertionFile, assertionForms),
	},
	oauth.ArgClientAssertionEnv: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Name of an environment variable holding the client assertion; only the name is stored.",
		Validators:          oneFormOf(oauth.ArgClientAssertionEnv, assertionForms),
	},
	oauth.ArgWorkloadIdentity: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Platform whose OIDC identity token is fetched on every attempt and sent as the client assertion: " +
			platformsDesc + " The identity token is never logged, stored or cached.",
		Validators: append(oneFormOf(oauth.ArgWorkloadIdentity, assertionForms),
			stringvalidator.OneOf(identity.Platforms()...)),
	},
	oauth.ArgRequestFormat: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Body of the token request: `form` (the standard) or `json` (as Epicollect5 expects). Defaults to `form`.",
		Validators:          []validator.String{stringvalidator.OneOf(oauth.FormatForm, oauth.FormatJSON)},
	},
	"content_type": dschema.StringAttribute{Optional: true,
		MarkdownDescription: "`Content-Type` of the body. Defaults to `application/x-www-form-urlencoded`, or `application/json` for `json`.",
	},
	"scopes": dschema.ListAttribute{ElementType: types.StringType, Optional: true,
		MarkdownDescription: "Scopes, sent space-separated as `scope` (Entra ID: one `api://<app>/.default`). Defaults to none.",
		Validators:          []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
	},
	"audience": dschema.StringAttribute{Optional: true,
		MarkdownDescription: "`audience` parameter, as Auth0 and others require to pick the API the token is for.",
	},
	"resource": dschema.ListAttribute{ElementType: types.StringType, Optional: true,
		MarkdownDescription: "Resource indicators (RFC 8707), each sent as one `resource` parameter; Entra ID v1 endpoints take one here.",
	},
	oauth.ArgExtraParams: dschema.MapAttribute{ElementType: types.StringType, Optional: true,
		MarkdownDescription: "Further body parameters, except " + codeList(oauth.ReservedParams()) + ", which other arguments set.",
		Validators:          []validator.Map{reservedKeys{names: oauth.ReservedParams(), why: "use the argument of that name"}},
	},
	oauth.ArgHeaders: dschema.MapAttribute{ElementType: types.StringType, Optional: true,
		MarkdownDescription: "Further HTTP headers, except " + codeList(oauth.ReservedHeaders()) + ".",
		Validators: []validator.Map{reservedKeys{names: oauth.ReservedHeaders(), foldCase: true,
			why: "it follows from auth_method, request_format and content_type"}},
	},

	"access_token": dschema.StringAttribute{Computed: true, Sensitive: true,
		MarkdownDescription: "The access token. Sensitive."},
	"token_type": dschema.StringAttribute{Computed: true,
		MarkdownDescription: "Token type the server gave, usually `Bearer`; another type (`DPoP`, `mac`) comes with a warning."},
	"expires_in": dschema.Int64Attribute{Computed: true,
		MarkdownDescription: "Lifetime in seconds the server gave; null when the server gave none."},
	"expires_at": dschema.StringAttribute{Computed: true,
		MarkdownDescription: "RFC 3339 time the token expires, counted from when the request was sent; null without a lifetime."},
	"scope": dschema.StringAttribute{Computed: true,
		MarkdownDescription: "Scopes granted, as the server listed them; null when it did not say (RFC 6749 §5.1: those requested)."},
},
	secretFormAttrs(oauth.ClientSecretArgs, "the client secret", clientSecretForms),
	secretFormAttrs(oauth.PrivateKeyArgs, "the PEM private key", privateKeyForms))

// tokenModel is the arguments of clientcreds_token, shared by the data
// source, the ephemeral resource, the token exchange and the proxy; each
// adds its own arguments and results beside it, so that none reads another's
// schema.
type tokenModel struct {
	TokenURL         types.String      `tfsdk:"token_url"`
	Issuer           types.String      `tfsdk:"issuer"`
	ClientID         types.String      `tfsdk:"client_id"`
	ClientSecret     types.String      `tfsdk:"client_secret"`
	ClientSecretFile types.String      `tfsdk:"client_secret_file"`
	ClientSecretEnv  types.String      `tfsdk:"client_secret_env"`
	AuthMethod       types.String      `tfsdk:"auth_method"`
	RequestFormat    types.String      `tfsdk:"request_format"`
	ContentType      types.String      `tfsdk:"content_type"`
	Scopes           []string          `tfsdk:"scopes"`
	Audience         types.String      `tfsdk:"audience"`
	Resource         []string          `tfsdk:"resource"`
	ExtraParams      map[string]string `tfsdk:"extra_params"`
	Headers          map[string]string `tfsdk:"headers"`

	PrivateKeyPEM       types.String `tfsdk:"private_key_pem"`
	PrivateKeyFile      types.String `tfsdk:"private_key_file"`
	PrivateKeyEnv       types.String `tfsdk:"private_key_env"`
	PrivateKeyKMS       types.String `tfsdk:"private_key_kms"`
	AssertionProfile    types.String `tfsdk:"assertion_profile"`
	CertificatePEM      types.String `tfsdk:"certificate_pem"`
	CertificateFile     types.String `tfsdk:"certificate_file"`
	SigningAlgorithm    types.String `tfsdk:"signing_algorithm"`
	KeyID               types.String `tfsdk:"key_id"`
	AssertionAudience   types.String `tfsdk:"assertion_audience"`
	ClientAssertion     types.String `tfsdk:"client_assertion"`
	ClientAssertionFile types.String `tfsdk:"client_assertion_file"`
	ClientAssertionEnv  types.String `tfsdk:"client_assertion_env"`
	WorkloadIdentity    types.String `tfsdk:"workload_identity"`
	WorkloadAudience    types.String `tfsdk:"workload_identity_audience"`
	WorkloadConnection  types.String `tfsdk:"workload_identity_service_connection_id"`
	WorkloadTag         types.String `tfsdk:"workload_identity_tag"`
	WorkloadClientID    types.String `tfsdk:"workload_identity_client_id"`
	WorkloadAlgorithm   types.String `tfsdk:"workload_identity_signing_algorithm"`
}

// tokenResult is what a token answer gives a token's schema: the results
// of clientcreds_token and of the token exchange.
type tokenResult struct {
	AccessToken types.String `tfsdk:"access_token"`
	TokenType   types.String `tfsdk:"token_type"`
	ExpiresIn   types.Int64  `tfsdk:"expires_in"`
	ExpiresAt   types.String `tfsdk:"expires_at"`
	Scope       types.String `tfsdk:"scope"`
}

// The forms each secret can take, of which at most one may be set.
var (
	clientSecretForms = oauth.ClientSecretArgs.All()
	privateKeyForms   = append(oauth.PrivateKeyArgs.All(), oauth.ArgPrivateKeyKMS)
	assertionForms    = append(oauth.ClientAssertionArgs.All(), oauth.ArgWorkloadIdentity)
)

// workloadArgAttrs are the arguments beside the workload identity argument
// prefix+"workload_identity" (the client assertion's, the token exchange
// actor's "actor_"): the audience and what selects an identity on the
// platform, each only with that argument. One description for every
// resource whose workload identity arguments are named so.
func workloadArgAttrs(prefix string) map[string]dschema.Attribute {
	platform := prefix + oauth.ArgWorkloadIdentity
	only := func(more ...validator.String) []validator.String {
		return append([]validator.String{stringvalidator.AlsoRequires(path.MatchRoot(platform))}, more...)
	}
	return map[string]dschema.Attribute{
		prefix + oauth.ArgWorkloadAudience: dschema.StringAttribute{Optional: true,
			MarkdownDescription: "Audience (`aud`) of the identity token `" + platform + "` requests. " + audienceDesc,
			Validators:          only(),
		},
		prefix + oauth.ArgWorkloadConnection: dschema.StringAttribute{Optional: true,
			MarkdownDescription: "Azure DevOps service connection for `azure_pipelines`. Defaults to " +
				"`AZURESUBSCRIPTION_SERVICE_CONNECTION_ID`.",
			Validators: only(),
		},
		prefix + identity.ArgTag:      dschema.StringAttribute{Optional: true, MarkdownDescription: tagDesc, Validators: only()},
		prefix + identity.ArgClientID: dschema.StringAttribute{Optional: true, MarkdownDescription: clientIDDesc, Validators: only()},
		prefix + identity.ArgSigningAlgorithm: dschema.StringAttribute{Optional: true, MarkdownDescription: awsAlgorithmDesc,
			Validators: only(stringvalidator.OneOf(identity.AWSRS256, identity.AWSES384)),
		},
	}
}

// oneFormOf: self is one of the forms all of a value.
func oneFormOf(self string, all []string) []validator.String {
	return []validator.String{oneForm{self: self, all: all}}
}

// secretFormAttrs are the file and environment forms of the secret args
// name, holding what: at most one of forms may be set, and every form
// takes more.
func secretFormAttrs(args oauth.SecretArgs, what string, forms []string, more ...validator.String) map[string]dschema.Attribute {
	form := func(name, description string) dschema.Attribute {
		return dschema.StringAttribute{Optional: true, MarkdownDescription: description,
			Validators: append(oneFormOf(name, forms), more...)}
	}
	return map[string]dschema.Attribute{args.File: form(args.File, secretFileDesc(what)), args.Env: form(args.Env, secretEnvDesc(what))}
}

func secretFileDesc(what string) string {
	return "Path of a file holding " + what + "; only the path is stored."
}

func secretEnvDesc(what string) string {
	return "Name of an environment variable holding " + what + "; only the name is stored."
}

// codeList writes names as Markdown code, "`a`, `b` or `c`", so that a
// description lists exactly what the code checks.
func codeList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "`" + n + "`"
	}
	if len(quoted) < 2 {
		return strings.Join(quoted, "")
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

// The descriptions of workload_identity's values and arguments, shared by
// every resource that takes them. What each platform needs, the order auto
// tries them in and each audience's rules are in the Secretless CI guide.
var platformsDesc = codeList(identity.Platforms()) + " (`auto`: the first found). [Per platform](../guides/secretless-ci.md#platforms)."

const (
	audienceDesc = "Entra ID expects `api://AzureADTokenExchange`. Required for `gcp_metadata`, `spiffe` and `aws`; fixed by " +
		"`azure_pipelines` and `hcp_terraform`; otherwise defaults to the platform's own."
	tagDesc = "For `hcp_terraform`: the `<TAG>` of `TFC_WORKLOAD_IDENTITY_TOKEN_<TAG>` to read. Defaults to none " +
		"(`TFC_WORKLOAD_IDENTITY_TOKEN`)."
	awsAlgorithmDesc = "For `aws`: `RS256` (the default, which Entra ID needs) or `ES384`, the algorithm STS signs with."
	clientIDDesc     = "For `azure_managed_identity`: a user-assigned identity's client ID. Defaults to the system-assigned identity."
)
