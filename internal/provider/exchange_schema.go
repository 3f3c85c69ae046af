package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/identity"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

const exchangeDescription = "Exchanges one token for another with the RFC 8693 token-exchange grant: a CI identity token for a " +
	"cloud access token (Google Cloud's STS), a token for one API for a token for another (Keycloak, Okta, Auth0)."

var (
	subjectForms = append(oauth.SubjectTokenArgs.All(), oauth.ArgWorkloadIdentity)
	actorForms   = append(oauth.ActorTokenArgs.All(), oauth.ArgActorWorkloadIdentity)
)

const tokenTypeDesc = "`jwt`, `id_token`, `access_token`, `refresh_token`, `saml1` and `saml2` stand for their RFC 8693 URNs."

// exchangeAttrs is clientcreds_token's description with the exchange's
// differences: client authentication optional, workload_identity giving the
// subject token, actor_workload_identity (with the token's workload identity
// arguments, prefixed) the actor token, and the RFC 8693 arguments and
// result.
var exchangeAttrs = func() map[string]dschema.Attribute {
	a := withAttributes(tokenAttrs, workloadArgAttrs(oauth.ArgActorPrefix),
		secretFormAttrs(oauth.SubjectTokenArgs, "the subject token", subjectForms),
		secretFormAttrs(oauth.ActorTokenArgs, "the actor token", actorForms))
	a[oauth.ArgClientID] = dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Client identifier, when the server authenticates the client (Keycloak, Okta), as with " +
			"`clientcreds_token`. Without it the request carries no client authentication (`auth_method` reports `none`), as " +
			"Google Cloud's STS expects.",
	}
	a[oauth.ArgWorkloadIdentity] = dschema.StringAttribute{Optional: true,
		MarkdownDescription: "Platform whose identity token is fetched on every attempt as the subject token: " + platformsDesc +
			" It is never logged, stored or cached.",
		Validators: append(oneFormOf(oauth.ArgWorkloadIdentity, subjectForms), stringvalidator.OneOf(identity.Platforms()...)),
	}
	for name, attr := range map[string]dschema.Attribute{
		oauth.ArgSubjectToken: dschema.StringAttribute{Optional: true, Sensitive: true,
			MarkdownDescription: "The token to exchange. Sensitive; kept in a data source's state, unlike `_file` and `_env`. " +
				"Exactly one `subject_token*` or `workload_identity` is required.",
			Validators: oneFormOf(oauth.ArgSubjectToken, subjectForms)},
		"subject_token_type": dschema.StringAttribute{Optional: true,
			MarkdownDescription: "Type of the subject token. Defaults to `urn:ietf:params:oauth:token-type:jwt`. " + tokenTypeDesc},
		oauth.ArgActorToken: dschema.StringAttribute{Optional: true, Sensitive: true,
			MarkdownDescription: "Token of the party acting for the subject (RFC 8693 §1.1); needs `actor_token_type`. Sensitive; kept in " +
				"a data source's state, unlike `_file` and `_env`. At most one `actor_token*` or `actor_workload_identity`.",
			Validators: oneFormOf(oauth.ArgActorToken, actorForms)},
		oauth.ArgActorWorkloadIdentity: dschema.StringAttribute{Optional: true,
			MarkdownDescription: "Platform whose identity token is fetched on every attempt as the actor token: " + platformsDesc +
				" It is never logged or stored, and a token exchanged with it is never cached.",
			Validators: append(oneFormOf(oauth.ArgActorWorkloadIdentity, actorForms), stringvalidator.OneOf(identity.Platforms()...))},
		oauth.ArgActorTokenType: dschema.StringAttribute{Optional: true,
			MarkdownDescription: "Type of the actor token; required with the `actor_token*` arguments. Defaults to " +
				"`urn:ietf:params:oauth:token-type:jwt` with `actor_workload_identity`. " + tokenTypeDesc},
		"requested_token_type": dschema.StringAttribute{Optional: true,
			MarkdownDescription: "Type of token to issue. Defaults to none (the server's choice, usually an access token). " + tokenTypeDesc},
		"issued_token_type": dschema.StringAttribute{Computed: true,
			MarkdownDescription: "The `issued_token_type` the server reported, a URN."},
	} {
		a[name] = attr
	}
	a["access_token"] = dschema.StringAttribute{Computed: true, Sensitive: true,
		MarkdownDescription: "The issued token, of the kind `issued_token_type` names. Sensitive. A refresh token in the answer is never exposed."}
	a["token_type"] = dschema.StringAttribute{Computed: true,
		MarkdownDescription: "Token type the server gave: `Bearer`, or `N_A` for a token that is not an access token (RFC 8693 §2.2.1)."}
	return a
}()

// exchangeModel is clientcreds_token_exchange's configuration and result,
// shared by the data source and the ephemeral resource.
type exchangeModel struct {
	tokenModel
	tokenResult
	SubjectToken     types.String `tfsdk:"subject_token"`
	SubjectTokenFile types.String `tfsdk:"subject_token_file"`
	SubjectTokenEnv  types.String `tfsdk:"subject_token_env"`
	SubjectTokenType types.String `tfsdk:"subject_token_type"`
	ActorToken       types.String `tfsdk:"actor_token"`
	ActorTokenFile   types.String `tfsdk:"actor_token_file"`
	ActorTokenEnv    types.String `tfsdk:"actor_token_env"`
	ActorTokenType   types.String `tfsdk:"actor_token_type"`
	// The actor's workload identity, as the token's workload_identity*.
	ActorWorkloadIdentity   types.String `tfsdk:"actor_workload_identity"`
	ActorWorkloadAudience   types.String `tfsdk:"actor_workload_identity_audience"`
	ActorWorkloadConnection types.String `tfsdk:"actor_workload_identity_service_connection_id"`
	ActorWorkloadTag        types.String `tfsdk:"actor_workload_identity_tag"`
	ActorWorkloadClientID   types.String `tfsdk:"actor_workload_identity_client_id"`
	ActorWorkloadAlgorithm  types.String `tfsdk:"actor_workload_identity_signing_algorithm"`
	RequestedTokenType      types.String `tfsdk:"requested_token_type"`
	IssuedTokenType         types.String `tfsdk:"issued_token_type"`
}

// baseRequest is the token's mapping plus the exchange: workload_identity
// gives the subject token rather than a client assertion, and
// actor_workload_identity the actor token.
func (m *exchangeModel) baseRequest(pd *providerData) (oauth.TokenRequest, diag.Diagnostics) {
	r, diags := m.tokenModel.baseRequest(pd)
	r.Grant = &oauth.Exchange{
		SubjectToken:     secretOf(m.SubjectToken, m.SubjectTokenFile, m.SubjectTokenEnv),
		SubjectIdentity:  r.WorkloadIdentity,
		SubjectTokenType: oauth.TokenTypeURN(m.SubjectTokenType.ValueString()),
		ActorToken:       secretOf(m.ActorToken, m.ActorTokenFile, m.ActorTokenEnv),
		ActorIdentity: workloadSource(m.ActorWorkloadIdentity, m.ActorWorkloadAudience, m.ActorWorkloadConnection, m.ActorWorkloadTag,
			m.ActorWorkloadClientID, m.ActorWorkloadAlgorithm, 0),
		ActorTokenType:     oauth.TokenTypeURN(m.ActorTokenType.ValueString()),
		RequestedTokenType: oauth.TokenTypeURN(m.RequestedTokenType.ValueString()),
	}
	r.WorkloadIdentity = nil
	return r, diags
}

// exchange exchanges the token through the one fetch and fills in the
// result.
func (m *exchangeModel) exchange(ctx context.Context, pd *providerData) diag.Diagnostics {
	_, f, diags := pd.fetch(ctx, tokenFetch{args: &m.tokenModel, build: m.baseRequest})
	if !diags.HasError() {
		f.into(&m.tokenModel, &m.tokenResult)
		m.IssuedTokenType = nullIfEmpty(f.tok.IssuedTokenType)
	}
	return diags
}
