package provider

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/identity"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/jwtdecode"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// identityEphemeral is clientcreds_workload_identity_token: the CI
// platform's identity token itself, for providers and tools that take one.
// Ephemeral only: an identity token should never reach state.
type identityEphemeral struct{ ephemeralBase }

func newIdentityEphemeral() ephemeral.EphemeralResource {
	return &identityEphemeral{ephemeralBase{typeName: "_workload_identity_token", attrs: identityAttrs,
		description: "Fetches the CI platform's short-lived OIDC identity token (Terraform 1.10+), for providers and tools " +
			"that take an identity token themselves, and for token exchange. Ephemeral only: the token is never written to state " +
			"or a plan. To use it as a client assertion, set `workload_identity` on `clientcreds_token` instead."}}
}

type identityModel struct {
	WorkloadIdentity    types.String `tfsdk:"workload_identity"`
	Audience            types.String `tfsdk:"audience"`
	ServiceConnectionID types.String `tfsdk:"service_connection_id"`
	Tag                 types.String `tfsdk:"tag"`
	ClientID            types.String `tfsdk:"client_id"`
	SigningAlgorithm    types.String `tfsdk:"signing_algorithm"`
	Token               types.String `tfsdk:"token"`
	ExpiresAt           types.String `tfsdk:"expires_at"`
	Subject             types.String `tfsdk:"subject"`
	Issuer              types.String `tfsdk:"issuer"`
}

// identityAttrs are data-source literals, as every ephemeral resource's are
// (ephemeralBase converts them).
var identityAttrs = map[string]dschema.Attribute{
	"workload_identity": dschema.StringAttribute{Required: true,
		MarkdownDescription: "The platform: " + platformsDesc,
		Validators:          []validator.String{stringvalidator.OneOf(identity.Platforms()...)},
	},
	"audience": dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Audience (`aud`) to request. " + audienceDesc,
	},
	"service_connection_id": dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Azure DevOps service connection for `azure_pipelines`. Defaults to `AZURESUBSCRIPTION_SERVICE_CONNECTION_ID`.",
	},
	"tag":       dschema.StringAttribute{Optional: true, MarkdownDescription: tagDesc},
	"client_id": dschema.StringAttribute{Optional: true, MarkdownDescription: clientIDDesc},
	"signing_algorithm": dschema.StringAttribute{Optional: true, MarkdownDescription: awsAlgorithmDesc,
		Validators: []validator.String{stringvalidator.OneOf(identity.AWSRS256, identity.AWSES384)}},
	"token":      dschema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The identity token (a JWT). Sensitive."},
	"expires_at": dschema.StringAttribute{Computed: true, MarkdownDescription: "RFC 3339 time of the token's `exp`; null when it has none."},
	"subject": dschema.StringAttribute{Computed: true,
		MarkdownDescription: "The token's `sub`, read from the token **without verifying it**: for display and for configuring the federated credential, not for trust decisions."},
	"issuer": dschema.StringAttribute{Computed: true,
		MarkdownDescription: "The token's `iss`, read from the token **without verifying it**, like `subject`."},
}

// identityResourceLifetime is the lifetime asked for where the platform
// lets the caller choose (aws).
const identityResourceLifetime = 15 * time.Minute

func (m *identityModel) source() oauth.IdentitySource {
	// Handed to a tool that may use it for a while, unlike an assertion.
	s := workloadSource(m.WorkloadIdentity, m.Audience, m.ServiceConnectionID, m.Tag, m.ClientID, m.SigningAlgorithm,
		identityResourceLifetime)
	if s == nil {
		// workload_identity = "" passes Required: the source of an
		// unsupported platform, whose Check names the platforms.
		return identity.New(identity.Spec{})
	}
	return s
}

// identityArgs renames the token resource's workload arguments to this one's.
var identityArgs = map[string]string{oauth.ArgWorkloadIdentity: "workload_identity", oauth.ArgWorkloadAudience: "audience",
	oauth.ArgWorkloadConnection: "service_connection_id", identity.ArgTag: "tag", identity.ArgClientID: "client_id",
	identity.ArgSigningAlgorithm: "signing_algorithm"}

func identityDiag(err error) diag.Diagnostic {
	var ae *oauth.ArgError
	if errors.As(err, &ae) {
		if arg, ok := identityArgs[ae.Arg]; ok {
			return diag.NewAttributeErrorDiagnostic(path.Root(arg), "Invalid Workload Identity", ae.Msg)
		}
	}
	return errorDiag(err)
}

func (e *identityEphemeral) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	var m identityModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, v := range []types.String{m.WorkloadIdentity, m.Audience, m.ServiceConnectionID, m.Tag, m.ClientID, m.SigningAlgorithm} {
		if v.IsUnknown() {
			return
		}
	}
	if err := m.source().Check(); err != nil {
		resp.Diagnostics.Append(identityDiag(err))
	}
}

func (e *identityEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m identityModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if e.pd == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	tok, err := e.pd.client.IdentityToken(ctx, m.source())
	if err != nil {
		resp.Diagnostics.Append(identityDiag(err))
		return
	}
	ctx = maskSecrets(ctx, tok)
	m.Token = types.StringValue(tok)
	m.ExpiresAt, m.Subject, m.Issuer = types.StringNull(), types.StringNull(), types.StringNull()
	if _, claims, err := jwtdecode.Decode(tok); err == nil {
		if sub, ok := claims["sub"].(string); ok {
			m.Subject = types.StringValue(sub)
		}
		if iss, ok := claims["iss"].(string); ok {
			m.Issuer = types.StringValue(iss)
		}
		if exp, ok := claims["exp"].(json.Number); ok {
			if secs, err := exp.Int64(); err == nil {
				m.ExpiresAt = types.StringValue(time.Unix(secs, 0).UTC().Format(time.RFC3339))
			}
		}
	}
	resp.Diagnostics.Append(setResult(ctx, &resp.Result, &m)...)
}
