package identity

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// SPIFFE: a JWT-SVID for the audience asked, from the Workload API socket
// that SPIFFE_ENDPOINT_SOCKET names (a SPIRE agent, Istio, a SPIFFE CSI
// driver), through go-spiffe's workloadapi client, which speaks gRPC on the
// socket with the workload.spiffe.io metadata the API demands.
const SPIFFE = "spiffe"

type spiffe struct{ base }

// Check: a JWT-SVID is always for an audience the workload names.
func (p spiffe) Check() error {
	return p.needAudience("The spiffe identity token needs workload_identity_audience: a JWT-SVID is issued for the audience asked.")
}

// spiffeTimeout bounds one call to the Workload API.
const spiffeTimeout = 30 * time.Second

func (p spiffe) Token(ctx context.Context, _ oauth.PlatformHTTP) (string, error) {
	addr := os.Getenv("SPIFFE_ENDPOINT_SOCKET")
	if addr == "" {
		return "", fmt.Errorf("the environment variable SPIFFE_ENDPOINT_SOCKET is not set: set it to the Workload API socket " +
			"(unix:///path/to/agent.sock, as the SPIRE agent, Istio or the SPIFFE CSI driver mounts it into the workload)")
	}
	ctx, cancel := context.WithTimeout(ctx, spiffeTimeout)
	defer cancel()
	svid, err := workloadapi.FetchJWTSVID(ctx, jwtsvid.Params{Audience: p.Audience}, workloadapi.WithAddr(addr))
	if err != nil {
		return "", fmt.Errorf("the Workload API at %s issued no JWT-SVID: %v. Check that the socket is mounted and that the "+
			"SPIFFE server has a registration entry for this workload", addr, err)
	}
	return svid.Marshal(), nil
}
