package ciserver

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/spiffe/go-spiffe/v2/proto/spiffe/workload"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// A SPIFFE workload, as a SPIRE server with its OIDC discovery provider
// names it.
const (
	SPIFFEIssuer = "https://oidc-discovery.example.org"
	SPIFFEID     = "spiffe://example.org/ci/deployer"
)

// WorkloadAPI plays a SPIFFE Workload API (a SPIRE agent) on a Unix
// socket: FetchJWTSVID answers a JWT-SVID for SPIFFEID and the audiences
// asked, signed with the server's key, and refuses a call without the
// workload.spiffe.io: true metadata, as the specification requires.
type WorkloadAPI struct {
	workload.UnimplementedSpiffeWorkloadAPIServer
	// Addr is the socket as SPIFFE_ENDPOINT_SOCKET names it: unix:///path.
	Addr string
	dir  string
	ci   *Server
	grpc *grpc.Server
}

// StartWorkloadAPI serves a Workload API on a socket in a new directory.
func (s *Server) StartWorkloadAPI() (*WorkloadAPI, error) {
	dir, err := os.MkdirTemp("", "spiffe")
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		return nil, err
	}
	w := &WorkloadAPI{Addr: "unix://" + sock, dir: dir, ci: s, grpc: grpc.NewServer()}
	workload.RegisterSpiffeWorkloadAPIServer(w.grpc, w)
	go func() { _ = w.grpc.Serve(l) }()
	return w, nil
}

// Close stops the server and removes its socket.
func (w *WorkloadAPI) Close() {
	w.grpc.Stop()
	_ = os.RemoveAll(w.dir)
}

func (w *WorkloadAPI) FetchJWTSVID(ctx context.Context, req *workload.JWTSVIDRequest) (*workload.JWTSVIDResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	w.ci.record(Request{Platform: "spiffe", Method: "FetchJWTSVID", Audience: strings.Join(req.Audience, " "), Flavor: strings.Join(md.Get("workload.spiffe.io"), ",")})
	if v := md.Get("workload.spiffe.io"); len(v) != 1 || v[0] != "true" {
		return nil, status.Error(codes.InvalidArgument, "security header missing from request")
	}
	if len(req.Audience) == 0 {
		return nil, status.Error(codes.InvalidArgument, "audience must be specified")
	}
	tok, err := w.ci.sign(SPIFFEIssuer, SPIFFEID, req.Audience[0])
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &workload.JWTSVIDResponse{Svids: []*workload.JWTSVID{{SpiffeId: SPIFFEID, Svid: tok}}}, nil
}
