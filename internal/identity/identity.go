// Package identity holds the identity sources of workload_identity: where a
// workload's short-lived OIDC token comes from (GitHub Actions, Azure
// Pipelines, the GCP metadata server, ...), one file per platform and one
// line per platform in the table below. Each source implements
// oauth.IdentitySource; any HTTP goes through the oauth client's
// PlatformHTTP, so this package knows no transport and makes no error
// message of its own about an answer beyond its reason and hint.
package identity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// Spec is a source as configured: the platform (workload_identity's value)
// and the arguments that select an identity on it.
type Spec struct {
	Platform string
	// Audience is the aud requested (Entra ID expects
	// api://AzureADTokenExchange); each platform says whether it has a
	// default or takes one at all.
	Audience string
	// ServiceConnectionID names the Azure DevOps service connection.
	ServiceConnectionID string
	// Tag names one of the further audiences an HCP Terraform workspace
	// declares: TFC_WORKLOAD_IDENTITY_TOKEN_<Tag>.
	Tag string
	// ClientID chooses a user-assigned Azure managed identity; the
	// system-assigned one when empty.
	ClientID string
	// SigningAlgorithm is the algorithm STS signs an aws token with.
	SigningAlgorithm string
	// Lifetime asks for a token that lives this long, where the platform
	// lets the caller choose (aws); zero for the platform's shortest
	// sensible one, right for a token sent the moment it is fetched.
	Lifetime time.Duration
}

// Argument names of the settings only some platforms read, beside oauth's
// workload_identity, _audience and _service_connection_id.
const (
	ArgTag      = "workload_identity_tag"
	ArgClientID = "workload_identity_client_id"
	// ArgSigningAlgorithm is the aws token's signing algorithm.
	ArgSigningAlgorithm = "workload_identity_signing_algorithm"
)

// platforms is the table of sources: a platform is one file and one line
// here.
var platforms = []struct {
	name string
	make func(Spec) oauth.IdentitySource
}{
	{GitHubActions, func(s Spec) oauth.IdentitySource { return githubActions{base(s)} }},
	{AzurePipelines, func(s Spec) oauth.IdentitySource { return azurePipelines{base(s)} }},
	{GCPMetadata, func(s Spec) oauth.IdentitySource { return gcpMetadata{base(s)} }},
	{HCPTerraform, func(s Spec) oauth.IdentitySource { return hcpTerraform{base(s)} }},
	{CircleCI, func(s Spec) oauth.IdentitySource { return circleCI{base(s)} }},
	{Buildkite, func(s Spec) oauth.IdentitySource { return buildkite{base(s)} }},
	{AzureManagedIdentity, func(s Spec) oauth.IdentitySource { return azureManagedIdentity{base(s)} }},
	{AWS, func(s Spec) oauth.IdentitySource { return awsSTS{base(s)} }},
	{SPIFFE, func(s Spec) oauth.IdentitySource { return spiffe{base(s)} }},
	{Auto, func(s Spec) oauth.IdentitySource { return auto{base(s)} }},
}

// Platforms lists the values workload_identity takes, in the table's order.
func Platforms() []string {
	names := make([]string, len(platforms))
	for i, p := range platforms {
		names[i] = p.name
	}
	return names
}

// New is the source s names; for a platform not in the table, a source
// whose Check says which are.
func New(s Spec) oauth.IdentitySource {
	for _, p := range platforms {
		if p.name == s.Platform {
			return p.make(s)
		}
	}
	return unsupported{base(s)}
}

// base is what every source shares: its spec, its name and key, and the
// check that it was given only the arguments it uses.
type base Spec

func (b base) Name() string { return b.Platform }

// Key is the platform and the arguments that select an identity on it;
// never a credential.
func (b base) Key() string {
	k := b.Platform + "\x00" + b.Audience + "\x00" + b.ServiceConnectionID
	if b.Tag != "" {
		k += "\x00tag=" + b.Tag
	}
	if b.ClientID != "" {
		k += "\x00client=" + b.ClientID
	}
	if b.SigningAlgorithm != "" || b.Lifetime != 0 {
		k += fmt.Sprintf("\x00alg=%s\x00life=%s", b.SigningAlgorithm, b.Lifetime)
	}
	return k
}

// Check is the check of a platform that takes any audience, or none: it
// refuses only the arguments another platform uses. A platform with rules
// of its own has its own Check, which ends in onlyFor.
func (b base) Check() error { return b.onlyFor() }

// needAudience is the Check of a platform that issues tokens only for the
// audience asked; missing is the error when none is.
func (b base) needAudience(missing string) error {
	if b.Audience == "" {
		return argErr(oauth.ArgWorkloadAudience, "%s", missing)
	}
	return b.onlyFor()
}

// onlyFor refuses the arguments that only another platform uses; auto
// takes them all, for whichever platform it finds.
func (b base) onlyFor() error {
	if b.ServiceConnectionID != "" && b.Platform != AzurePipelines && b.Platform != Auto {
		return argErr(oauth.ArgWorkloadConnection, "The workload_identity_service_connection_id is used only by azure_pipelines.")
	}
	if b.Tag != "" && b.Platform != HCPTerraform && b.Platform != Auto {
		return argErr(ArgTag, "The workload_identity_tag is used only by hcp_terraform.")
	}
	if b.ClientID != "" && b.Platform != AzureManagedIdentity && b.Platform != Auto {
		return argErr(ArgClientID, "The workload_identity_client_id is used only by azure_managed_identity.")
	}
	if b.SigningAlgorithm != "" && b.Platform != AWS && b.Platform != Auto {
		return argErr(ArgSigningAlgorithm, "The workload_identity_signing_algorithm is used only by aws.")
	}
	if b.Tag != "" && !validTag(b.Tag) {
		return argErr(ArgTag, "The workload_identity_tag %q is not a tag HCP Terraform can name a variable with: use letters, digits and underscores.", b.Tag)
	}
	return nil
}

func validTag(t string) bool {
	for _, r := range t {
		if r != '_' && (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

type unsupported struct{ base }

func (u unsupported) Check() error {
	return argErr(oauth.ArgWorkloadIdentity, "The workload_identity %q is not supported; use one of %s.", u.Platform, strings.Join(Platforms(), ", "))
}

func (u unsupported) Token(context.Context, oauth.PlatformHTTP) (string, error) { return "", u.Check() }

func argErr(arg, format string, a ...any) *oauth.ArgError {
	return &oauth.ArgError{Arg: arg, Msg: fmt.Sprintf(format, a...)}
}
