package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/provider"
)

// Generate the registry docs from the schemas, templates/ and examples/.
//go:generate go tool tfplugindocs generate -provider-name clientcreds

// version is set by the release build (goreleaser's -X main.version=...).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()
	if !debug {
		// With -debug the provider's stderr is the developer's only log.
		provider.QuietLibraryLogsUnlessAsked()
	}
	provider.CollectGarbageLessUnlessAsked()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         "registry.terraform.io/clientcreds/clientcreds",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
