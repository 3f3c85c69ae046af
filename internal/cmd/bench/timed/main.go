// Command timed serves this provider as main.go does, for `make bench` and
// profiling, under the provider's binary name: each request is timed by
// rpctime when BENCH_RPC_LOG is set, and with BENCH_CPU_PROFILE set to a
// directory, the whole process is CPU-profiled at 1 kHz into
// DIR/cpu-PID.pprof (merge a plan's three processes, or many plans', with
// `go tool pprof DIR/*.pprof`); with BENCH_GO_TRACE set to a directory, it
// writes a runtime/trace execution trace into DIR/trace-PID.out, whose
// waits `go tool trace -pprof=net|sync|syscall|sched FILE` turns into
// profiles (where a request spends wall time off the CPU).
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/cmd/bench/rpctime"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/provider"
)

func main() {
	provider.QuietLibraryLogsUnlessAsked() // as main.go does
	provider.CollectGarbageLessUnlessAsked()
	if dir := os.Getenv("BENCH_CPU_PROFILE"); dir != "" {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", os.Getpid())))
		if err != nil {
			log.Fatal(err)
		}
		// A process serves a plan for some 50 ms: 100 Hz, pprof's default,
		// would take five samples. Setting the rate first makes
		// StartCPUProfile keep it (and print that it could not set its own).
		runtime.SetCPUProfileRate(1000)
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close()
		}()
	}
	if dir := os.Getenv("BENCH_GO_TRACE"); dir != "" {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("trace-%d.out", os.Getpid())))
		if err != nil {
			log.Fatal(err)
		}
		if err := trace.Start(f); err != nil {
			log.Fatal(err)
		}
		defer func() {
			trace.Stop()
			_ = f.Close()
		}()
	}
	serve := providerserver.NewProtocol6(provider.New("bench")())
	err := tf6server.Serve("registry.terraform.io/clientcreds/clientcreds", func() tfprotov6.ProviderServer {
		return rpctime.Wrap(serve())
	})
	if err != nil {
		log.Print(err)
	}
}
