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
	"bearer grant (RFC 7523 §2.1, `grant_type = \"jwt_bearer\"`: Google service accounts, Salesforce), from a token endpoint " +
	"given directly (`token_url`), discovered from an `issuer`, or named by a Google service-account key."

// tokenAttrs is the one description of clientcreds_token's arguments and results.
var tokenAttrs = withAttributes(workloadArgAttrs(""), map[string]dschema.Attribute{
	oauth.ArgTokenURL: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Token endpoint URL. Exactly one of `token_url` and `issuer` must be set, unless a Google service-account key names it. " +
			"`http://` is refused except to loopback hosts unless the provider sets `allow_insecure_http`.",
		Validators: []validator.String{exactlyOneOf{others: []string{"issuer"}, orNoneWith: oauth.ServiceAccountKeyArgs.All()}, urlValidator{}},
	},
	"issuer": dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Issuer URL whose OpenID discovery document (`<issuer>/.well-known/openid-configuration`) names the token endpoint. " +
			"The document's `issuer` must equal this value exactly; use `clientcreds_oidc_discovery` for other discovery options.",
		Validators: []validator.String{urlValidator{}},
	},
	oauth.ArgClientID: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Client identifier. Sent as a string, also in a JSON body (`\"153\"` for Epicollect5's numeric IDs). " +
			"Required, but with `grant_type = \"jwt_bearer\"`, where the client authenticates only if it has credentials of its own " +
			"(it is then the assertion's default issuer).",
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	},
	oauth.ArgClientSecret: dschema.StringAttribute{Optional: true, Sensitive: true,
		MarkdownDescription: "Client secret. Sensitive: never logged, never in a diagnostic, sent only to the token endpoint (and, with `revoke_on_close`, the revocation endpoint). " +
			"Required by `client_secret_basic`, `client_secret_post` and `client_secret_jwt`, in this form or as `client_secret_file` or `client_secret_env`. " +
			"Given here, it is stored in the state of a data source and in saved plans; the `_file` and `_env` forms are not.",
		Validators: oneFormOf(oauth.ArgClientSecret, clientSecretForms),
	},
	oauth.ArgAuthMethod: dschema.StringAttribute{Optional: true, Computed: true,
		MarkdownDescription: "Client authentication. `client_secret_basic`: HTTP Basic, credentials form-encoded as RFC 6749 §2.3.1 says. " +
			"`client_secret_post`: credentials in the body. `client_secret_jwt`: an assertion signed with the secret. " +
			"`private_key_jwt`: an assertion signed with `private_key_pem`/`private_key_file`/`private_key_env`, or in a key service with `private_key_kms` (RFC 7523). " +
			"`client_assertion`: an assertion you supply in `client_assertion`/`client_assertion_file`, such as a federated identity token. " +
			"`tls_client_auth` and `self_signed_tls_client_auth`: mutual TLS with a client certificate (RFC 8705). " +
			"Defaults to the method the credentials given imply (`client_assertion` for an assertion, `private_key_jwt` for a key without a " +
			"secret); for a secret, `client_secret_post` when `request_format` is `json`, otherwise `client_secret_basic`, unless the " +
			"discovered metadata lists `client_secret_post` and not `client_secret_basic`. A rejected request is never retried with " +
			"another method. Reports the method used.",
		Validators: []validator.String{stringvalidator.OneOf(oauth.AuthMethods()...)},
	},
	oauth.ArgPrivateKeyPEM: dschema.StringAttribute{Optional: true, Sensitive: true,
		MarkdownDescription: "PEM private key (PKCS#1, PKCS#8 or SEC 1; RSA of at least 2048 bits, ECDSA P-256/384/521 or Ed25519) that signs " +
			"`private_key_jwt` assertions, or the key of the mTLS client certificate. Sensitive. At most one of `private_key_pem`, `private_key_file`, `private_key_env` and `private_key_kms`.",
		Validators: oneFormOf(oauth.ArgPrivateKeyPEM, privateKeyForms),
	},
	oauth.ArgPrivateKeyKMS: dschema.StringAttribute{Optional: true,
		MarkdownDescription: kmsDescription,
		Validators:          append(oneFormOf(oauth.ArgPrivateKeyKMS, privateKeyForms), keyURIValidator{}),
	},
	oauth.ArgAssertionProfile: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Shape of the client assertions the provider signs (`private_key_jwt`, `client_secret_jwt`). `rfc7523` " +
			"(the default): `aud` the token endpoint (or `assertion_audience`), header `typ` `JWT`. `rfc7523bis`: as " +
			"draft-ietf-oauth-rfc7523bis and FAPI 2.0 ask, `aud` the authorization server's issuer identifier as a single string " +
			"(`assertion_audience` when set, otherwise `issuer`) and header `typ` `client-authentication+jwt`.",
		Validators: []validator.String{stringvalidator.OneOf(oauth.AssertionProfiles()...)},
	},
	oauth.ArgCertificatePEM: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "PEM client certificate: the mTLS certificate for `tls_client_auth` and `self_signed_tls_client_auth` (defaults " +
			"to the provider's `client_certificate_pem`), or, with `private_key_jwt`, the certificate whose SHA-256 thumbprint is sent " +
			"as the assertion's `x5t#S256` header. It must belong to the private key. Conflicts with `certificate_file`.",
		Validators: []validator.String{stringvalidator.ConflictsWith(path.MatchRoot(oauth.ArgCertificateFile))},
	},
	oauth.ArgCertificateFile: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Path of a PEM client certificate file; otherwise as `certificate_pem`.",
	},
	oauth.ArgSigningAlgorithm: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Algorithm of the signed client assertion: for `private_key_jwt` one of `RS256`, `RS384`, `RS512`, `PS256`, `PS384`, " +
			"`PS512` (RSA keys), `ES256`, `ES384`, `ES512` (ECDSA keys on the matching curve) or `EdDSA` (Ed25519), default `RS256` " +
			"(for a `private_key_kms` key, the algorithm the key implies: `RS256` for RSA, `ES256`/`ES384` by curve, the key version's own for Cloud KMS); for " +
			"`client_secret_jwt` one of `HS256`, `HS384`, `HS512`, default `HS256`.",
		Validators: []validator.String{stringvalidator.OneOf(append(oauth.KeyAlgorithms(), oauth.SecretAlgorithms()...)...)},
	},
	oauth.ArgKeyID: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "`kid` header of `private_key_jwt` assertions, naming the key among those registered for the client. " +
			"Defaults, for a `private_key_kms` key, to the key's RFC 7638 JWK thumbprint (the `kid` `clientcreds_signing_key` reports); none otherwise.",
	},
	oauth.ArgAssertionAudience: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "`aud` claim of signed assertions. Defaults to the token endpoint URL; some servers (Okta's org server, some " +
			"Keycloak setups) want the issuer instead.",
	},
	oauth.ArgClientAssertion: dschema.StringAttribute{Optional: true, Sensitive: true,
		MarkdownDescription: "A client assertion (JWT) to send as is, with `client_assertion_type` `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`: " +
			"how Microsoft Entra ID workload identity federation and similar setups authenticate. Sensitive. At most one of `client_assertion`, " +
			"`client_assertion_file`, `client_assertion_env` and `workload_identity`.",
		Validators: oneFormOf(oauth.ArgClientAssertion, assertionForms),
	},
	oauth.ArgClientAssertionFile: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Path of a file holding the client assertion, read anew for every attempt: a Kubernetes projected service-account " +
			"token, AKS workload identity's `AZURE_FEDERATED_TOKEN_FILE`, so rotation in place is picked up. An unreadable or empty file " +
			"is an error naming the file. Tokens obtained with an assertion are never kept in the persistent cache.",
		Validators: oneFormOf(oauth.ArgClientAssertionFile, assertionForms),
	},
	oauth.ArgClientAssertionEnv: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Name of an environment variable holding the client assertion, read anew for every attempt: GitLab CI's " +
			"`id_tokens:` variable, HCP Terraform's `TFC_WORKLOAD_IDENTITY_TOKEN`, CircleCI's `CIRCLE_OIDC_TOKEN_V2`, Bitbucket's " +
			"`BITBUCKET_STEP_OIDC_TOKEN`. An unset or empty variable is an error naming the variable.",
		Validators: oneFormOf(oauth.ArgClientAssertionEnv, assertionForms),
	},
	oauth.ArgWorkloadIdentity: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Fetch a fresh OIDC identity token from the platform the job runs on, for every attempt, and send it as the " +
			"client assertion (`auth_method` reports `client_assertion`): " + platformsDesc + " No secret is stored anywhere. The " +
			"identity token is never logged, stored or cached on disk.",
		Validators: append(oneFormOf(oauth.ArgWorkloadIdentity, assertionForms),
			stringvalidator.OneOf(identity.Platforms()...)),
	},
	oauth.ArgRequestFormat: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Body of the token request: `form` (`application/x-www-form-urlencoded`, the standard) or `json` " +
			"(every parameter in one JSON object, as Epicollect5 expects). Defaults to `form`.",
		Validators: []validator.String{stringvalidator.OneOf(oauth.FormatForm, oauth.FormatJSON)},
	},
	"content_type": dschema.StringAttribute{Optional: true,
		MarkdownDescription: "`Content-Type` of the request body. Defaults to `application/x-www-form-urlencoded` for `form` and " +
			"`application/json` for `json`; Epicollect5 documents `application/vnd.api+json`.",
	},
	"scopes": dschema.ListAttribute{ElementType: types.StringType, Optional: true,
		MarkdownDescription: "Scopes to request, sent space-separated as `scope`. Microsoft Entra ID expects one `api://<app>/.default` scope. Defaults to none (the server's default scopes).",
		Validators:          []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
	},
	"audience": dschema.StringAttribute{Optional: true,
		MarkdownDescription: "`audience` parameter, as Auth0 and others require to pick the API the token is for.",
	},
	"resource": dschema.ListAttribute{ElementType: types.StringType, Optional: true,
		MarkdownDescription: "Resource indicators (RFC 8707), each sent as one `resource` parameter; Entra ID v1 endpoints take one here.",
	},
	oauth.ArgExtraParams: dschema.MapAttribute{ElementType: types.StringType, Optional: true,
		MarkdownDescription: "Further body parameters. May not set " + codeList(oauth.ReservedParams()) + ", which follow from other arguments. " +
			userSecretNote,
		Validators: []validator.Map{reservedKeys{names: oauth.ReservedParams(), why: "use the argument of that name"}},
	},
	oauth.ArgHeaders: dschema.MapAttribute{ElementType: types.StringType, Optional: true,
		MarkdownDescription: "Further HTTP headers for the token request. May not set " + codeList(oauth.ReservedHeaders()) + ". " + userSecretNote,
		Validators: []validator.Map{reservedKeys{names: oauth.ReservedHeaders(), foldCase: true,
			why: "it follows from auth_method, request_format and content_type"}},
	},

	"access_token": dschema.StringAttribute{Computed: true, Sensitive: true,
		MarkdownDescription: "The access token. Sensitive."},
	"token_type": dschema.StringAttribute{Computed: true,
		MarkdownDescription: "Token type the server gave, usually `Bearer`. A token of another type (`DPoP`, `mac`) is returned with a warning: it cannot be used as a plain Bearer token."},
	"expires_in": dschema.Int64Attribute{Computed: true,
		MarkdownDescription: "Lifetime in seconds the server gave; null when the server gave none."},
	"expires_at": dschema.StringAttribute{Computed: true,
		MarkdownDescription: "RFC 3339 time at which the token expires, counted from when the request was sent; null when the server gave no lifetime."},
	"scope": dschema.StringAttribute{Computed: true,
		MarkdownDescription: "Scopes granted, as the server listed them; null when the server did not say (then the requested scopes were granted, RFC 6749 §5.1)."},
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
			MarkdownDescription: "Azure DevOps service connection whose federated identity `azure_pipelines` requests. Defaults to " +
				"`AZURESUBSCRIPTION_SERVICE_CONNECTION_ID`, which tasks such as `AzureCLI@2` set.",
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
	return "Path of a file holding " + what + ", read when the token is requested, on every attempt, so a rotated file is " +
		"picked up; surrounding white space is ignored. Only the path is stored in state and plans. An unreadable or empty file is an error naming the file."
}

func secretEnvDesc(what string) string {
	return "Name of an environment variable of the Terraform process holding " + what + ", read when the token is requested, on " +
		"every attempt. Only the name is stored in state and plans. An unset or empty variable is an error naming the variable."
}

// userSecretNote tells what the sanitiser does with headers and
// extra_params values, from the rule the protocol package applies.
const userSecretNote = "Values of 16 characters or more that mix letters and digits are treated as credentials: " +
	"redacted from every diagnostic and warning."

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
// every resource that takes them.
const (
	platformsDesc = "`github_actions` (needs `permissions: id-token: write`), `azure_pipelines` (needs `System.AccessToken` mapped " +
		"into the task's environment), `gcp_metadata` (the instance's service account, from the metadata server), `hcp_terraform` " +
		"(a workspace with `TFC_WORKLOAD_IDENTITY_AUDIENCE` set: the run's `TFC_WORKLOAD_IDENTITY_TOKEN`, or `_<TAG>` with " +
		"`workload_identity_tag`), `circleci` (a job that uses a context: `CIRCLE_OIDC_TOKEN_V2`, or `circleci run oidc get` for " +
		"another audience), `buildkite` (`buildkite-agent oidc request-token`), `azure_managed_identity` (the Azure resource's " +
		"managed identity, from the endpoint the environment offers: IMDS, App Service and Functions, Arc, Cloud Shell), `spiffe` " +
		"(a JWT-SVID from the Workload API at `SPIFFE_ENDPOINT_SOCKET`), `aws` (STS `GetWebIdentityToken` for the AWS identity " +
		"of the SDK's default credential chain, at the regional endpoint; the account must enable outbound identity federation), " +
		"or `auto`: " +
		"the first of those found in the environment, in the order `github_actions` (`GITHUB_ACTIONS=true`), `azure_pipelines` " +
		"(`TF_BUILD=True`), `hcp_terraform` (its token variable), `circleci` (`CIRCLECI=true`), `buildkite` (`BUILDKITE=true`), " +
		"`spiffe` (`SPIFFE_ENDPOINT_SOCKET`), `aws` (`AWS_WEB_IDENTITY_TOKEN_FILE`, container credentials, Lambda, CodeBuild, " +
		"or an EC2 instance), `azure_managed_identity` (`IDENTITY_ENDPOINT`, `MSI_ENDPOINT`, or an Azure VM), `gcp_metadata` (`GCE_METADATA_HOST`, or a " +
		"Compute Engine machine); with none found, an error lists what was looked for."
	audienceDesc = "Microsoft Entra ID expects `api://AzureADTokenExchange`. Defaults to the platform's own default for " +
		"`github_actions` (the repository owner's URL), `circleci` (the organization ID, from `CIRCLE_OIDC_TOKEN_V2`) and `buildkite` " +
		"(the agent's default); required for `gcp_metadata`, `spiffe` and `aws`; not settable for `azure_pipelines`, whose tokens always carry " +
		"`api://AzureADTokenExchange` (with `auto`, that value is accepted and ignored there). For `hcp_terraform` the workspace " +
		"sets the audience (`TFC_WORKLOAD_IDENTITY_AUDIENCE`); when this is set too, the run's token must carry it. For " +
		"`azure_managed_identity` it is the resource asked for, `api://AzureADTokenExchange` by default."
	tagDesc = "For `hcp_terraform` (and `auto`): the tag of one of the further audiences the workspace declares with " +
		"`TFC_WORKLOAD_IDENTITY_AUDIENCE_<TAG>`; the token is then read from `TFC_WORKLOAD_IDENTITY_TOKEN_<TAG>`. Letters, digits and " +
		"underscores. Defaults to none: `TFC_WORKLOAD_IDENTITY_TOKEN`."
	awsAlgorithmDesc = "For `aws` (and `auto`): the algorithm STS signs the token with, `RS256` or `ES384`. Defaults to `RS256`, " +
		"which every federating identity provider takes (Entra ID only that one). The token lives 60 seconds, STS's " +
		"shortest, since it is sent the moment it is fetched; the `clientcreds_workload_identity_token` resource asks for 15 minutes."
	clientIDDesc = "For `azure_managed_identity` (and `auto`): the client ID of the user-assigned managed identity to use. " +
		"Defaults to the system-assigned identity."
)
