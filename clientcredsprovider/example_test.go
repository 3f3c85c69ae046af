package clientcredsprovider_test

import (
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/clientcreds/terraform-provider-clientcreds/clientcredsprovider"
)

// In another provider's acceptance tests, clientcreds sits beside the
// provider under test; a configuration then reads a token from it, for
// example from a server started with oauthtest.Start:
//
//	data "clientcreds_token" "api" {
//	  token_url     = "http://127.0.0.1:PORT/token"
//	  client_id     = "test-client"
//	  client_secret = "..."
//	}
func ExampleProtoV6ProviderServerFactory() {
	factories := map[string]func() (tfprotov6.ProviderServer, error){
		"clientcreds": clientcredsprovider.ProtoV6ProviderServerFactory("test"),
		// "example": providerserver.NewProtocol6WithError(example.New("test")()),
	}
	// resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: factories, ...})
	_ = factories
}
