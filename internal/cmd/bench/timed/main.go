// Command timed serves this provider as main.go does, with each request
// timed by rpctime when BENCH_RPC_LOG is set: `make bench` builds it, under
// the provider's binary name, to measure requests without the trace log.
package main

import (
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/cmd/bench/rpctime"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/provider"
)

func main() {
	serve := providerserver.NewProtocol6(provider.New("bench")())
	err := tf6server.Serve("registry.terraform.io/clientcreds/clientcreds", func() tfprotov6.ProviderServer {
		return rpctime.Wrap(serve())
	})
	if err != nil {
		log.Fatal(err)
	}
}
