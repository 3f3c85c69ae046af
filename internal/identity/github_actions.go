package identity

import (
	"context"
	"net/http"
	"net/url"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// GitHubActions: a job with `permissions: id-token: write` gets
// ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN; a GET on the URL (with
// &audience=) answers {"value": "<jwt>"}.
const GitHubActions = "github_actions"

// githubActions takes any audience; GitHub's default (the owner's URL)
// when empty.
type githubActions struct{ base }

func (g githubActions) Token(ctx context.Context, h oauth.PlatformHTTP) (string, error) {
	env, err := needEnv("the workflow (or job) needs `permissions: id-token: write`",
		"ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	if err != nil {
		return "", err
	}
	target := env[0]
	if g.Audience != "" {
		target = withQuery(target, "audience="+url.QueryEscape(g.Audience))
	}
	h.Secret(env[1])
	a, err := h.Do(ctx, oauth.PlatformRequest{Method: http.MethodGet, URL: target,
		Header: http.Header{"Authorization": {"bearer " + env[1]}}})
	if err != nil {
		return "", err
	}
	return answerToken(a, "value", "The job's request token was refused: check that the workflow or job grants `permissions: id-token: write`.")
}
