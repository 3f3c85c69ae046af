package identity

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// answerToken takes the identity token out of a platform's answer: the JSON
// member field, or the whole body when field is "". A refused request
// carries refusedHint.
func answerToken(a *oauth.PlatformAnswer, field, refusedHint string) (string, error) {
	switch {
	case a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden:
		return "", &oauth.Refusal{Answer: a, Reason: "the platform refused the request for an identity token", Hint: refusedHint, Excerpt: true}
	case a.Status != http.StatusOK:
		return "", &oauth.Refusal{Answer: a, Reason: "the platform did not issue an identity token", Excerpt: true}
	}
	if field == "" {
		return strings.TrimSpace(string(a.Body)), nil
	}
	var m map[string]any
	if err := json.Unmarshal(a.Body, &m); err != nil {
		return "", &oauth.Refusal{Answer: a, Reason: "the platform's answer is not a JSON object", Excerpt: true}
	}
	s, ok := m[field].(string)
	if !ok || s == "" {
		return "", &oauth.Refusal{Answer: a, Reason: fmt.Sprintf("the platform's answer has no %q", field)}
	}
	return s, nil
}

// needEnv reads variables a platform sets for its jobs; a missing one is an
// error naming it and what makes the platform set it.
func needEnv(why string, names ...string) ([]string, error) {
	vals := make([]string, len(names))
	for i, n := range names {
		if vals[i] = os.Getenv(n); vals[i] == "" {
			return nil, fmt.Errorf("the environment variable %s is not set: %s", n, why)
		}
	}
	return vals, nil
}

// withQuery appends a query string to a URL that may already have one.
func withQuery(u, q string) string {
	if strings.Contains(u, "?") {
		return u + "&" + q
	}
	return u + "?" + q
}
