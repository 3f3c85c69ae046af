// Package rpctime times the requests a provider process serves, for `make
// bench`, without Terraform's trace log (whose logging slows every request):
// Wrap returns the server unchanged unless BENCH_RPC_LOG names a file, and
// then appends to that file one line per request, "NAME NANOSECONDS", the
// time from the request reaching the provider server to its answer (gRPC
// decoding and encoding excluded). It is linked only into the benchmark's
// own builds (the floor provider and cmd/bench/timed), never the provider.
package rpctime

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// EnvVar names the file the timings are appended to.
const EnvVar = "BENCH_RPC_LOG"

// Wrap times the provider-level and data-source requests of s when EnvVar
// is set.
func Wrap(s tfprotov6.ProviderServer) tfprotov6.ProviderServer {
	path := os.Getenv(EnvVar)
	if path == "" {
		return s
	}
	return timed{ProviderServer: s, path: path}
}

type timed struct {
	tfprotov6.ProviderServer
	path string
}

// record appends one line; several provider processes may write at once,
// and each line is one write to a file opened for appending.
func (t timed) record(name string, start time.Time) {
	d := time.Since(start)
	f, err := os.OpenFile(t.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	_, _ = fmt.Fprintf(f, "%s %d\n", name, d.Nanoseconds())
	_ = f.Close()
}

// call times one request: f is the wrapped server's method of that name.
func call[Req, Resp any](ctx context.Context, r Req, t timed, name string, f func(context.Context, Req) (Resp, error)) (Resp, error) {
	defer t.record(name, time.Now())
	return f(ctx, r)
}

func (t timed) GetMetadata(ctx context.Context, r *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	return call(ctx, r, t, "GetMetadata", t.ProviderServer.GetMetadata)
}

func (t timed) GetProviderSchema(ctx context.Context, r *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return call(ctx, r, t, "GetProviderSchema", t.ProviderServer.GetProviderSchema)
}

func (t timed) ValidateProviderConfig(ctx context.Context, r *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return call(ctx, r, t, "ValidateProviderConfig", t.ProviderServer.ValidateProviderConfig)
}

func (t timed) ConfigureProvider(ctx context.Context, r *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return call(ctx, r, t, "ConfigureProvider", t.ProviderServer.ConfigureProvider)
}

func (t timed) ValidateDataResourceConfig(ctx context.Context, r *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return call(ctx, r, t, "ValidateDataResourceConfig", t.ProviderServer.ValidateDataResourceConfig)
}

func (t timed) ReadDataSource(ctx context.Context, r *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return call(ctx, r, t, "ReadDataSource", t.ProviderServer.ReadDataSource)
}
