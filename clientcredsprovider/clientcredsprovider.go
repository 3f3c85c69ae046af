// Package clientcredsprovider exposes the clientcreds Terraform provider to
// other Go modules, chiefly for other providers' acceptance tests: a
// provider whose configurations take tokens from clientcreds can serve it
// in-process through terraform-plugin-testing's ProtoV6ProviderFactories,
// with no registry download and no network, and point it at a local server
// from package oauthtest.
//
// The provider served is the released one; only its constructor is public.
// Its schemas are documented at
// https://registry.terraform.io/providers/clientcreds/clientcreds/latest/docs.
package clientcredsprovider

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	internal "github.com/clientcreds/terraform-provider-clientcreds/internal/provider"
)

// New returns a constructor of the provider for terraform-plugin-framework's
// providerserver; version is what the provider reports as its own.
func New(version string) func() provider.Provider {
	return internal.New(version)
}

// ProtoV6ProviderServerFactory returns the provider as a protocol 6 server
// factory, the value type of terraform-plugin-testing's
// ProtoV6ProviderFactories (and of tf6muxserver's inputs). Register it under
// the name "clientcreds".
func ProtoV6ProviderServerFactory(version string) func() (tfprotov6.ProviderServer, error) {
	return providerserver.NewProtocol6WithError(internal.New(version)())
}
