package provider

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/identity"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// The configuration maps to the protocol request field by field; files are
// read, defaults filled in, and the provider's mTLS pair used only where
// the configuration has none.
func TestTokenModelToRequest(t *testing.T) {
	dir := t.TempDir()
	keyFile, certFile := filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	must(t, os.WriteFile(certFile, []byte("CERT FROM FILE"), 0o600))
	pd := &providerData{clientCertPEM: []byte("PROVIDER CERT"), clientKey: oauth.Secret{Env: "PROVIDER_KEY_VAR"}}

	for _, tc := range []struct {
		name string
		m    tokenModel
		want oauth.TokenRequest
	}{
		{"every parameter", tokenModel{
			TokenURL: types.StringValue("https://idp/token"), ClientID: types.StringValue("153"), ClientSecret: types.StringValue("s"),
			AuthMethod: types.StringValue("client_secret_post"), RequestFormat: types.StringValue("json"),
			ContentType: types.StringValue("application/vnd.api+json"), Scopes: []string{"a", "b"}, Audience: types.StringValue("api"),
			Resource: []string{"r1", "r2"}, ExtraParams: map[string]string{"x": "1"}, Headers: map[string]string{"X-H": "v"},
		}, oauth.TokenRequest{TokenURL: "https://idp/token", ClientID: "153", ClientSecret: oauth.Inline("s"), AuthMethod: oauth.ClientSecretPost,
			Format: oauth.FormatJSON, ContentType: "application/vnd.api+json", Scopes: []string{"a", "b"}, Audience: "api",
			Resources: []string{"r1", "r2"}, ExtraParams: map[string]string{"x": "1"}, Headers: map[string]string{"X-H": "v"},
			CertificatePEM: []byte{}}},
		{"format and method left to SetDefaults", tokenModel{ClientID: types.StringValue("c")},
			oauth.TokenRequest{ClientID: "c", CertificatePEM: []byte{}}},
		{"key file passed by name, certificate file read, signing settings", tokenModel{
			ClientID: types.StringValue("c"), PrivateKeyFile: types.StringValue(keyFile), CertificateFile: types.StringValue(certFile),
			SigningAlgorithm: types.StringValue("ES256"), KeyID: types.StringValue("k1"), AssertionAudience: types.StringValue("https://idp"),
		}, oauth.TokenRequest{ClientID: "c", PrivateKey: oauth.Secret{File: keyFile},
			CertificatePEM: []byte("CERT FROM FILE"), CertificateFile: certFile, SigningAlgorithm: "ES256", KeyID: "k1", AssertionAudience: "https://idp"}},
		{"secrets by file and variable name", tokenModel{ClientID: types.StringValue("c"), ClientSecretEnv: types.StringValue("SECRET_VAR"),
			PrivateKeyEnv: types.StringValue("KEY_VAR"), ClientAssertionEnv: types.StringValue("TFC_WORKLOAD_IDENTITY_TOKEN"),
			ClientSecretFile: types.StringValue("/run/secret")},
			oauth.TokenRequest{ClientID: "c", ClientSecret: oauth.Secret{Env: "SECRET_VAR", File: "/run/secret"},
				PrivateKey: oauth.Secret{Env: "KEY_VAR"}, ClientAssertion: oauth.Secret{Env: "TFC_WORKLOAD_IDENTITY_TOKEN"}, CertificatePEM: []byte{}}},
		{"workload identity", tokenModel{ClientID: types.StringValue("c"), WorkloadIdentity: types.StringValue("azure_pipelines"),
			WorkloadConnection: types.StringValue("sc-1")},
			oauth.TokenRequest{ClientID: "c", CertificatePEM: []byte{},
				WorkloadIdentity: identity.New(identity.Spec{Platform: identity.AzurePipelines, ServiceConnectionID: "sc-1"})}},
		{"mTLS takes the provider's pair", tokenModel{ClientID: types.StringValue("c"), AuthMethod: types.StringValue("tls_client_auth")},
			oauth.TokenRequest{ClientID: "c", AuthMethod: oauth.TLSClientAuth,
				PrivateKey: oauth.Secret{Env: "PROVIDER_KEY_VAR"}, CertificatePEM: []byte("PROVIDER CERT")}},
		{"mTLS keeps its own pair", tokenModel{ClientID: types.StringValue("c"), AuthMethod: types.StringValue("tls_client_auth"),
			PrivateKeyPEM: types.StringValue("OWN KEY"), CertificatePEM: types.StringValue("OWN CERT")},
			oauth.TokenRequest{ClientID: "c", AuthMethod: oauth.TLSClientAuth,
				PrivateKey: oauth.Inline("OWN KEY"), CertificatePEM: []byte("OWN CERT")}},
		{"assertion file passed on, not read", tokenModel{ClientID: types.StringValue("c"), ClientAssertionFile: types.StringValue("/var/run/token")},
			oauth.TokenRequest{ClientID: "c", ClientAssertion: oauth.Secret{File: "/var/run/token"},
				CertificatePEM: []byte{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := tc.m.baseRequest(pd)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
