package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/jwtdecode"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// CircleCI: a job that uses a context gets CIRCLE_OIDC_TOKEN_V2, whose
// audience is the organization's ID; a token for any other audience comes
// from `circleci run oidc get --claims '{"aud":"..."}'`.
const CircleCI = "circleci"

type circleCI struct{ base }

const circleNeed = "CircleCI issues OIDC tokens to jobs that use at least one context: add a context to the job in the workflow"

func (p circleCI) Token(ctx context.Context, _ oauth.PlatformHTTP) (string, error) {
	own := os.Getenv("CIRCLE_OIDC_TOKEN_V2")
	if p.Audience == "" {
		if own == "" {
			return "", fmt.Errorf("the environment variable CIRCLE_OIDC_TOKEN_V2 is not set: %s", circleNeed)
		}
		return own, nil
	}
	if _, claims, err := jwtdecode.Decode(own); err == nil && hasAudience(claims["aud"], p.Audience) {
		return own, nil // the job's own token is for that audience already
	}
	claims, err := json.Marshal(map[string]string{"aud": p.Audience})
	if err != nil {
		return "", err
	}
	return runCLI(ctx, circleNeed+"; the circleci command is the one CircleCI puts in every job (as for `circleci tests split`)", "circleci", "run", "oidc", "get", "--claims", string(claims))
}
