package oauth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
)

// ciSource asks the test CI server as GitHub Actions or the GCP metadata
// server is asked, for the tests of what the client does around a source
// (sharing, retries, the metadata client); package identity tests the real
// sources.
type ciSource struct{ platform, audience string }

func (s ciSource) Name() string { return s.platform }
func (s ciSource) Key() string  { return s.platform + "\x00" + s.audience }
func (s ciSource) Check() error { return nil }

func (s ciSource) Token(ctx context.Context, h PlatformHTTP) (string, error) {
	req := PlatformRequest{Method: http.MethodGet}
	if s.platform == "gcp_metadata" {
		req.URL = "http://" + os.Getenv("GCE_METADATA_HOST") + "/computeMetadata/v1/instance/service-accounts/default/identity?audience=" + url.QueryEscape(s.audience)
		req.Header, req.Metadata = http.Header{"Metadata-Flavor": {"Google"}}, true
	} else {
		req.URL = os.Getenv("ACTIONS_ID_TOKEN_REQUEST_URL") + "&audience=" + url.QueryEscape(s.audience)
		req.Header = http.Header{"Authorization": {"bearer " + os.Getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")}}
	}
	a, err := h.Do(ctx, req)
	if err != nil {
		return "", err
	}
	if req.Metadata {
		return string(a.Body), nil
	}
	var v struct{ Value string }
	err = json.Unmarshal(a.Body, &v)
	return v.Value, err
}
