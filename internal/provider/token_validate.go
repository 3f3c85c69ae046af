package provider

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/identity"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// validateTokenConfig checks at validate time that the credentials fit the
// authentication method: what it needs is there, what it would ignore is
// not, and a key fits its algorithm. Each error is attached to the argument
// to change. It runs for the data source and the ephemeral resource alike,
// and skips while any credential is unknown.
func validateTokenConfig(cfg tfsdk.Config) diag.Diagnostics {
	var m tokenDataModel
	creds := m.tokenModel.credentials()
	maps.Copy(creds, m.grantModel.credentials())
	return validateRequest(cfg, creds, grantRequest(&m.tokenModel, &m.grantModel))
}

// validateExchangeConfig is validateTokenConfig for the token exchange,
// which adds its subject and actor tokens (the actor's workload identity
// among them).
func validateExchangeConfig(cfg tfsdk.Config) diag.Diagnostics {
	var m exchangeModel
	creds := m.credentials()
	for name, dst := range map[string]*types.String{oauth.ArgSubjectToken: &m.SubjectToken, oauth.ArgSubjectTokenFile: &m.SubjectTokenFile,
		oauth.ArgSubjectTokenEnv: &m.SubjectTokenEnv, oauth.ArgActorToken: &m.ActorToken, oauth.ArgActorTokenFile: &m.ActorTokenFile,
		oauth.ArgActorTokenEnv: &m.ActorTokenEnv, oauth.ArgActorTokenType: &m.ActorTokenType,
		oauth.ArgActorWorkloadIdentity: &m.ActorWorkloadIdentity, oauth.ArgActorPrefix + oauth.ArgWorkloadAudience: &m.ActorWorkloadAudience,
		oauth.ArgActorPrefix + oauth.ArgWorkloadConnection: &m.ActorWorkloadConnection, oauth.ArgActorPrefix + identity.ArgTag: &m.ActorWorkloadTag,
		oauth.ArgActorPrefix + identity.ArgClientID:         &m.ActorWorkloadClientID,
		oauth.ArgActorPrefix + identity.ArgSigningAlgorithm: &m.ActorWorkloadAlgorithm} {
		creds[name] = dst
	}
	return validateRequest(cfg, creds, m.baseRequest)
}

// validateRequest reads the credential attributes into the model behind
// creds, builds the request with build and checks it offline.
func validateRequest(cfg tfsdk.Config, creds map[string]*types.String, build requestBuilder) diag.Diagnostics {
	var diags diag.Diagnostics
	// One read of the raw configuration: the framework's GetAttribute walks
	// the schema (copying its attribute map) for every attribute read,
	// which made this the larger part of a data source's validation.
	var raw map[string]tftypes.Value
	if err := cfg.Raw.As(&raw); err != nil {
		diags.AddError("Configuration Read Error", "The configuration could not be read: "+err.Error()+". "+reportBug)
		return diags
	}
	for name, dst := range creds {
		v, ok := raw[name]
		switch {
		case !ok || v.IsNull():
			*dst = types.StringNull()
		case !v.IsKnown() && name == issuerArg:
			// The offline checks read only whether an issuer is set
			// (checkProfile); one from a variable is set, and the
			// credentials are still checked.
			*dst = types.StringValue("unknown")
		case !v.IsKnown():
			return diags
		default:
			var s string
			if err := v.As(&s); err != nil {
				diags.AddAttributeError(path.Root(name), "Configuration Read Error", "The argument could not be read as a string: "+err.Error()+". "+reportBug)
				return diags
			}
			*dst = types.StringValue(s)
		}
	}
	r, d := build(nil)
	diags.Append(d...)
	if diags.HasError() {
		return diags
	}
	r.SetDefaults(nil)
	// With mTLS and no pair of its own, the provider's client certificate
	// may serve; whether it does is known when the token is requested.
	if err := r.ValidateConfig(takesProviderPair(&r)); err != nil {
		diags.Append(errorDiag(err))
	}
	return diags
}

// issuerArg is the token's issuer argument, for discovery.
const issuerArg = "issuer"

// credentials are the attributes the client authentication rules read,
// by name. (The whole model cannot be read while lists may be unknown.)
func (m *tokenModel) credentials() map[string]*types.String {
	return map[string]*types.String{
		oauth.ArgClientID: &m.ClientID, oauth.ArgClientSecret: &m.ClientSecret, oauth.ArgAuthMethod: &m.AuthMethod,
		oauth.ArgRequestFormat: &m.RequestFormat, oauth.ArgPrivateKeyPEM: &m.PrivateKeyPEM, oauth.ArgPrivateKeyFile: &m.PrivateKeyFile,
		oauth.ArgCertificatePEM: &m.CertificatePEM, oauth.ArgCertificateFile: &m.CertificateFile,
		oauth.ArgSigningAlgorithm: &m.SigningAlgorithm, oauth.ArgKeyID: &m.KeyID, oauth.ArgAssertionAudience: &m.AssertionAudience,
		oauth.ArgClientAssertion: &m.ClientAssertion, oauth.ArgClientAssertionFile: &m.ClientAssertionFile,
		oauth.ArgClientSecretFile: &m.ClientSecretFile, oauth.ArgClientSecretEnv: &m.ClientSecretEnv, oauth.ArgPrivateKeyEnv: &m.PrivateKeyEnv,
		oauth.ArgClientAssertionEnv: &m.ClientAssertionEnv, oauth.ArgWorkloadIdentity: &m.WorkloadIdentity,
		oauth.ArgWorkloadAudience: &m.WorkloadAudience, oauth.ArgWorkloadConnection: &m.WorkloadConnection,
		identity.ArgTag: &m.WorkloadTag, identity.ArgClientID: &m.WorkloadClientID,
		identity.ArgSigningAlgorithm: &m.WorkloadAlgorithm,
		oauth.ArgPrivateKeyKMS:       &m.PrivateKeyKMS, oauth.ArgAssertionProfile: &m.AssertionProfile, issuerArg: &m.Issuer,
	}
}

// urlValidator checks at validate time what can be known of an endpoint
// without the provider's configuration: an absolute http(s) URL.
type urlValidator struct{}

func (urlValidator) Description(context.Context) string {
	return "must be an absolute https:// URL (http:// only to loopback hosts, or with allow_insecure_http)"
}

func (v urlValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (urlValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := oauth.CheckURLSyntax(req.Path.String(), req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid URL", err.Error())
	}
}

// reservedKeys refuses map keys the provider sets itself, with the same
// words as the check made when the request is built.
type reservedKeys struct {
	names    []string
	foldCase bool // header names: any case
	why      string
}

func (v reservedKeys) Description(context.Context) string {
	return "may not set " + strings.Join(v.names, ", ")
}

func (v reservedKeys) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v reservedKeys) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for key := range req.ConfigValue.Elements() {
		for _, n := range v.names {
			if key == n || (v.foldCase && strings.EqualFold(key, n)) {
				resp.Diagnostics.AddAttributeError(req.Path, "Reserved Key",
					fmt.Sprintf("The %s may not set %q; %s.", req.Path, key, v.why))
			}
		}
	}
}

// oneForm refuses a value given in more than one of its forms (inline,
// file, environment variable), once, on the last form set.
type oneForm struct {
	self string
	all  []string // every form, in the order they are named
}

func (v oneForm) Description(context.Context) string {
	return "set only one of " + v.names()
}

func (v oneForm) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v oneForm) names() string {
	return strings.Join(v.all[:len(v.all)-1], ", ") + " and " + v.all[len(v.all)-1]
}

func (v oneForm) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() {
		return
	}
	var set []string
	for _, name := range v.all {
		var val types.String
		// The forms are siblings: at the root, or in the same block.
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, req.Path.ParentPath().AtName(name), &val)...)
		if !val.IsNull() {
			set = append(set, name)
		}
	}
	if len(set) > 1 && set[len(set)-1] == v.self {
		resp.Diagnostics.AddAttributeError(req.Path, "Conflicting Arguments",
			fmt.Sprintf("Set only one of %s; this configuration sets %s.", v.names(), strings.Join(set, " and ")))
	}
}

// exactlyOneOf requires exactly one of its attribute and the other root
// attributes named. It reads each once: the validators package's
// ExactlyOneOf matches paths over the whole configuration, which cost a
// quarter of a data source's validation.
// With orNoneWith, neither is needed where one of those attributes is set
// (a service-account key names its token endpoint); an attribute the
// schema lacks counts as unset.
type exactlyOneOf struct{ others, orNoneWith []string }

func (v exactlyOneOf) Description(context.Context) string {
	return "exactly one of this attribute and " + strings.Join(v.others, ", ") + " must be set"
}

func (v exactlyOneOf) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v exactlyOneOf) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsUnknown() {
		return
	}
	all := append([]string{req.Path.String()}, v.others...)
	set := 0
	if !req.ConfigValue.IsNull() {
		set++
	}
	for _, o := range v.others {
		var other types.String
		if d := req.Config.GetAttribute(ctx, req.Path.ParentPath().AtName(o), &other); d.HasError() || other.IsUnknown() {
			return
		}
		if !other.IsNull() {
			set++
		}
	}
	for _, o := range v.orNoneWith {
		var other types.String
		if d := req.Config.GetAttribute(ctx, req.Path.ParentPath().AtName(o), &other); !d.HasError() && !other.IsNull() {
			if set == 0 || other.IsUnknown() {
				return
			}
		}
	}
	switch {
	case set == 0:
		resp.Diagnostics.AddAttributeError(req.Path, "Missing Argument", "Set exactly one of "+strings.Join(all, " and ")+".")
	case set > 1:
		resp.Diagnostics.AddAttributeError(req.Path, "Conflicting Arguments", "Set only one of "+strings.Join(all, " and ")+"; this configuration sets both.")
	}
}
