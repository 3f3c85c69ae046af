package clientcredsprovider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// The factory serves the whole provider: its data sources and ephemeral
// resources are in the schema Terraform asks for.
func TestFactoryServesTheProvider(t *testing.T) {
	srv, err := ProtoV6ProviderServerFactory("test")()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"clientcreds_token", "clientcreds_oidc_discovery", "clientcreds_token_exchange"} {
		if resp.DataSourceSchemas[name] == nil || resp.EphemeralResourceSchemas[name] == nil {
			t.Errorf("%s: data source or ephemeral resource missing", name)
		}
	}
}
