package identity

import (
	"context"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
)

// A JWT-SVID from a Workload API on a Unix socket that demands the
// workload.spiffe.io metadata; the errors for no audience, no socket
// variable and a socket nobody serves.
func TestSPIFFE(t *testing.T) {
	ci := ciserver.StartT(t, ciserver.Options{})
	api, err := ci.StartWorkloadAPI()
	must(t, err)
	t.Cleanup(api.Close)
	ciEnvironment(t)
	c := newClient(t)

	t.Setenv("SPIFFE_ENDPOINT_SOCKET", api.Addr)
	got := fetchOne(t, ci, c, New(Spec{Platform: SPIFFE, Audience: "api://AzureADTokenExchange"}))
	want := ciserver.Request{Platform: "spiffe", Method: "FetchJWTSVID", Audience: "api://AzureADTokenExchange", Flavor: "true"}
	if got != want {
		t.Errorf("the Workload API saw %+v; want %+v", got, want)
	}
	src, err := auto{base{Platform: Auto, Audience: "x"}}.detect()
	if err != nil || src.Name() != SPIFFE {
		t.Errorf("auto found %v (%v) with SPIFFE_ENDPOINT_SOCKET set", src, err)
	}

	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: SPIFFE}))
	mustFail(t, err, "needs workload_identity_audience")
	t.Setenv("SPIFFE_ENDPOINT_SOCKET", "unix:///nonexistent/agent.sock")
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: SPIFFE, Audience: "a"}))
	mustFail(t, err, "the Workload API at unix:///nonexistent/agent.sock issued no JWT-SVID", "registration entry")
	t.Setenv("SPIFFE_ENDPOINT_SOCKET", "")
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: SPIFFE, Audience: "a"}))
	mustFail(t, err, "SPIFFE_ENDPOINT_SOCKET is not set")
}
