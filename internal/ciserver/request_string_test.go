package ciserver

import (
	"fmt"
	"strings"
	"testing"
)

// A failing test prints the requests it saw; the credential each carries
// stays out of its output, whichever verb it uses.
func TestRequestPrintsNoCredential(t *testing.T) {
	reqs := []Request{{Platform: "github_actions", Auth: "Bearer request-token-0123456789", Audience: "api://x"}}
	for _, verb := range []string{"%v", "%+v", "%s"} {
		if out := fmt.Sprintf(verb, reqs); strings.Contains(out, "request-token") || !strings.Contains(out, "api://x") {
			t.Errorf("%s printed %s", verb, out)
		}
	}
}
