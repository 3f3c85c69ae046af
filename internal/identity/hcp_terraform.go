package identity

import (
	"context"
	"fmt"
	"os"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/jwtdecode"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// HCPTerraform: a run in a workspace with generic dynamic credentials gets
// TFC_WORKLOAD_IDENTITY_TOKEN for the audience in the workspace variable
// TFC_WORKLOAD_IDENTITY_AUDIENCE, and TFC_WORKLOAD_IDENTITY_TOKEN_<TAG> for
// each TFC_WORKLOAD_IDENTITY_AUDIENCE_<TAG>. The run cannot ask for another
// audience: the workspace declares them.
const HCPTerraform = "hcp_terraform"

type hcpTerraform struct{ base }

func (p hcpTerraform) variables() (token, audience string) {
	if p.Tag == "" {
		return "TFC_WORKLOAD_IDENTITY_TOKEN", "TFC_WORKLOAD_IDENTITY_AUDIENCE"
	}
	return "TFC_WORKLOAD_IDENTITY_TOKEN_" + p.Tag, "TFC_WORKLOAD_IDENTITY_AUDIENCE_" + p.Tag
}

// Token reads the run's variable. With workload_identity_audience set, the
// token must carry it: the run cannot ask for it, so a token for another
// audience is a workspace to configure, said before an IdP refuses it.
func (p hcpTerraform) Token(context.Context, oauth.PlatformHTTP) (string, error) {
	name, audVar := p.variables()
	tok := os.Getenv(name)
	if tok == "" {
		return "", fmt.Errorf("the environment variable %s is not set: set the workspace variable %s (an environment variable) to the audience, "+
			"and HCP Terraform gives each run the token", name, audVar)
	}
	if p.Audience == "" {
		return tok, nil
	}
	_, claims, err := jwtdecode.Decode(tok)
	if err != nil {
		return "", fmt.Errorf("the value of %s is not a JWT", name)
	}
	if !hasAudience(claims["aud"], p.Audience) {
		return "", fmt.Errorf("the token in %s is not for the audience %q: set the workspace variable %s to it, or name with "+
			"workload_identity_tag the tagged audience that is", name, p.Audience, audVar)
	}
	return tok, nil
}

// hasAudience is whether a JWT's aud claim (a string or a list) holds want.
func hasAudience(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, v := range a {
			if v == want {
				return true
			}
		}
	}
	return false
}
