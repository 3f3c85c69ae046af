package identity

import (
	"context"
	"net/http"
	"net/url"
	"os"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// GCPMetadata: the metadata server of a Compute Engine instance (or GKE
// node, Cloud Run service, ...) issues an ID token of its service account
// for any audience, as text, to a request carrying Metadata-Flavor: Google.
const GCPMetadata = "gcp_metadata"

type gcpMetadata struct{ base }

// Check: the metadata server has no default audience.
func (g gcpMetadata) Check() error {
	return g.needAudience("The gcp_metadata identity token needs workload_identity_audience: the metadata server has no default audience.")
}

func (g gcpMetadata) Token(ctx context.Context, h oauth.PlatformHTTP) (string, error) {
	host := os.Getenv("GCE_METADATA_HOST")
	if host == "" {
		host = "metadata.google.internal"
	}
	a, err := h.Do(ctx, oauth.PlatformRequest{Method: http.MethodGet, Metadata: true,
		URL: "http://" + host + "/computeMetadata/v1/instance/service-accounts/default/identity?audience=" +
			url.QueryEscape(g.Audience) + "&format=full",
		Header: http.Header{"Metadata-Flavor": {"Google"}}})
	if err != nil {
		return "", err
	}
	return answerToken(a, "", "Check that the instance has a service account.")
}
