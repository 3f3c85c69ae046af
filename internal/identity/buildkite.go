package identity

import (
	"context"
	"os"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// Buildkite: a job asks its agent for an OIDC token with
// `buildkite-agent oidc request-token --audience ...`; the agent talks to
// Buildkite with the job's BUILDKITE_AGENT_ACCESS_TOKEN.
const Buildkite = "buildkite"

type buildkite struct{ base }

const buildkiteNeed = "Run in a Buildkite job, whose agent puts buildkite-agent on the PATH and BUILDKITE_AGENT_ACCESS_TOKEN in the environment, on an agent recent enough to have `buildkite-agent oidc request-token`"

func (p buildkite) Token(ctx context.Context, h oauth.PlatformHTTP) (string, error) {
	if t := os.Getenv("BUILDKITE_AGENT_ACCESS_TOKEN"); t != "" {
		h.Secret(t) // the agent may quote it in an error
	}
	args := []string{"oidc", "request-token"}
	if p.Audience != "" {
		args = append(args, "--audience", p.Audience)
	}
	return runCLI(ctx, buildkiteNeed, "buildkite-agent", args...)
}
