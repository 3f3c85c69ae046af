package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// What each plugin process Terraform starts pays before a plan reads
// anything: a new server (as a new process), its schema, and one data
// source's validation, each on a server of its own.
func BenchmarkProtocol(b *testing.B) {
	t := &testing.T{}
	data, _ := providerSchemas(t)
	cfg := configValue(t, data["clientcreds_token"], map[string]tftypes.Value{
		"token_url": str("https://idp.example/token"), "client_id": str("svc"), "client_secret": str("s3cret-value")})
	ctx := context.Background()
	b.Run("GetProviderSchema", func(b *testing.B) {
		for b.Loop() {
			if _, err := protoServer(t).GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ValidateDataResourceConfig", func(b *testing.B) {
		for b.Loop() {
			resp, err := protoServer(t).ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: "clientcreds_token", Config: cfg})
			if err != nil || len(resp.Diagnostics) > 0 {
				b.Fatal(err, resp.Diagnostics)
			}
		}
	})
}
