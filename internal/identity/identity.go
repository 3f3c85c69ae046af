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
}

// platforms is the table of sources: a platform is one file and one line
// here.
var platforms = []struct {
	name string
	make func(Spec) oauth.IdentitySource
}{
	{GitHubActions, func(s Spec) oauth.IdentitySource { return githubActions{base(s)} }},
	{AzurePipelines, func(s Spec) oauth.IdentitySource { return azurePipelines{base(s)} }},
	{GCPMetadata, func(s Spec) oauth.IdentitySource { return gcpMetadata{base(s)} }},
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
	return b.Platform + "\x00" + b.Audience + "\x00" + b.ServiceConnectionID
}

// onlyFor refuses the arguments that only another platform uses.
func (b base) onlyFor() error {
	if b.ServiceConnectionID != "" && b.Platform != AzurePipelines {
		return argErr(oauth.ArgWorkloadConnection, "The workload_identity_service_connection_id is used only by azure_pipelines.")
	}
	return nil
}

type unsupported struct{ base }

func (u unsupported) Check() error {
	return argErr(oauth.ArgWorkloadIdentity, "The workload_identity %q is not supported; use one of %s.", u.Platform, strings.Join(Platforms(), ", "))
}

func (u unsupported) Token(context.Context, oauth.PlatformHTTP) (string, error) { return "", u.Check() }

func argErr(arg, format string, a ...any) *oauth.ArgError {
	return &oauth.ArgError{Arg: arg, Msg: fmt.Sprintf(format, a...)}
}
