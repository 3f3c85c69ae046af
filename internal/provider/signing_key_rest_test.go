package provider

import (
	"crypto/elliptic"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testkms"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

const (
	accVaultToken  = "hvs.CAESIacceptanceVaultToken0123456789"
	accGCPToken    = "ya29.a0acceptanceGoogleToken0123456789"
	accAzureToken  = "eyJhbGciOiJSUzI1NiJ9.acceptance-key-vault-token.sig"
	accAzureSecret = "acc~azure~client~secret~0123456789"
)

// Keys in Vault Transit, Cloud KMS and Key Vault (test servers written from
// their API documentation, cited in internal/testkms/fakes.go) sign
// private_key_jwt assertions through real Terraform: step 1 publishes each
// key with clientcreds_signing_key and registers it with the authorization
// server, step 2 gets a token with each, verified against that key. The
// algorithm follows the key: RS256 for Vault's RSA key, PS256 for a Cloud
// KMS PSS key version, ES256 for Key Vault's P-256 key. No service
// credential reaches the state.
func TestAccSigningKeyRESTServices(t *testing.T) {
	vault := testkms.StartVault(t, accVaultToken, "transit")
	vault.AddKey("ci-signer", testkms.RSAKey(t))
	const gcpName = "projects/acme/locations/europe-west1/keyRings/ci/cryptoKeys/signer/cryptoKeyVersions/2"
	gcp := testkms.StartCloudKMS(t, accGCPToken, gcpName)
	gcp.AddKey(gcpName, testkms.RSAKey(t))
	kv := testkms.StartKeyVault(t, "tenant-1", "app-1", accAzureSecret, accAzureToken)
	kv.AddKey("ci-signer", testkms.ECKey(t, elliptic.P256()))
	for k, v := range map[string]string{"VAULT_ADDR": vault.URL, "VAULT_TOKEN": accVaultToken, "VAULT_NAMESPACE": "",
		"TRANSIT_SECRET_ENGINE_PATH": "", "CLIENTCREDS_GCPKMS_ENDPOINT": gcp.URL, "GOOGLE_OAUTH_ACCESS_TOKEN": accGCPToken,
		"AZURE_TENANT_ID": "tenant-1", "AZURE_CLIENT_ID": "app-1", "AZURE_CLIENT_SECRET": accAzureSecret, "AZURE_AUTHORITY_HOST": kv.URL,
		"AZURE_FEDERATED_TOKEN_FILE": ""} {
		t.Setenv(k, v)
	}
	uris := map[string]string{"vault": "hashivault://ci-signer", "gcp": "gcpkms://" + gcpName,
		"azure": "azurekms://" + strings.TrimPrefix(kv.URL, "http://") + "/ci-signer"}
	algs := map[string]string{"vault": "RS256", "gcp": "PS256", "azure": "ES256"}
	srv := startServer(t, authserver.Options{AuthMethods: jwtMethods})
	var keys, tokens strings.Builder
	var checks []statecheck.StateCheck
	for _, name := range []string{"vault", "gcp", "azure"} {
		fmt.Fprintf(&keys, "data \"clientcreds_signing_key\" %q {\n  private_key_kms = %q\n}\n", name, uris[name])
		fmt.Fprintf(&tokens, "data \"clientcreds_token\" %q {\n  token_url       = %q\n  client_id       = %q\n  private_key_kms = %q\n}\n",
			name, srv.TokenURL(), name+"-client", uris[name])
		checks = append(checks,
			statecheck.ExpectKnownValue("data.clientcreds_signing_key."+name, tfjsonpath.New("alg"), knownvalue.StringExact(algs[name])),
			statecheck.ExpectKnownValue("data.clientcreds_token."+name, tfjsonpath.New("access_token"), issuedBy(srv)))
	}
	kids := map[string]string{}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(),
		Steps: []resource.TestStep{
			{
				Config: keys.String(),
				Check:  trustJWKS(srv, kids, map[string]string{"vault": "vault-client", "gcp": "gcp-client", "azure": "azure-client"}),
			},
			{
				Config:            keys.String() + tokens.String(),
				ConfigStateChecks: checks,
				Check: func(s *terraform.State) error {
					for _, r := range srv.TokenRequests() {
						name := strings.TrimSuffix(r.ClientID, "-client")
						if r.Error != "" || r.Assertion == nil {
							return fmt.Errorf("%s was refused: %s", r.ClientID, r.Error)
						}
						if r.Assertion.Alg != algs[name] || r.Assertion.KeyID != kids[name] {
							return fmt.Errorf("%s's assertion: alg %s kid %s; want %s %s", r.ClientID, r.Assertion.Alg, r.Assertion.KeyID, algs[name], kids[name])
						}
					}
					if n := len(srv.TokenRequests()); n != 3 {
						return fmt.Errorf("%d token requests; want 3", n)
					}
					for name, r := range s.RootModule().Resources {
						for k, v := range r.Primary.Attributes {
							for _, secret := range []string{accVaultToken, accGCPToken, accAzureToken, accAzureSecret} {
								if strings.Contains(v, secret) {
									return fmt.Errorf("%s.%s holds a key service's credential", name, k)
								}
							}
						}
					}
					return nil
				},
			},
		},
	})
}

// A Vault token the server refuses: the user sees the URI and Vault's
// words, not the token.
func TestAccSigningKeyVaultDenied(t *testing.T) {
	vault := testkms.StartVault(t, accVaultToken, "transit")
	vault.AddKey("ci-signer", testkms.RSAKey(t))
	t.Setenv("VAULT_ADDR", vault.URL)
	t.Setenv("VAULT_TOKEN", "hvs.revoked-token-0123456789abcdef")
	srv := startServer(t, authserver.Options{AuthMethods: jwtMethods})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "clientcreds_token" "t" {
  token_url       = %q
  client_id       = "vault-client"
  private_key_kms = "hashivault://ci-signer"
}`, srv.TokenURL()),
			ExpectError: regexp.MustCompile(`(?s)could not use\s+hashivault://ci-signer.*HTTP\s+403:\s+permission\s+denied`),
		}},
	})
}

// The client certificate's key held in Vault Transit: the mutual-TLS
// handshake signs through crypto.Signer, in Vault, and the server takes
// the certificate.
func TestAccSigningKeyMutualTLSInVault(t *testing.T) {
	vault := testkms.StartVault(t, accVaultToken, "transit")
	key := testkms.ECKey(t, elliptic.P256())
	vault.AddKey("mtls", key)
	t.Setenv("VAULT_ADDR", vault.URL)
	t.Setenv("VAULT_TOKEN", accVaultToken)
	ca := testpki.NewCA(t)
	der := ca.Issue(t, "", time.Hour, key.Public())
	srv := startServer(t, authserver.Options{AuthMethods: jwtMethods, TLS: ca.ServerTLS(t, "127.0.0.1", time.Hour),
		ClientCerts: map[string][32]byte{"svc": testpki.CertSum(der)}})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "clientcreds" {
  ca_cert_pem = %q
}
data "clientcreds_token" "mtls" {
  token_url       = %q
  client_id       = "svc"
  auth_method     = "tls_client_auth"
  certificate_pem = %q
  private_key_kms = "hashivault://mtls"
}`, ca.PEM, srv.TokenURL(), testpki.CertPEM(der)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.clientcreds_token.mtls", tfjsonpath.New("access_token"), issuedBy(srv)),
			},
			Check: func(*terraform.State) error {
				r, err := onlyRequest(srv)
				if err != nil {
					return err
				}
				if r.Error != "" || r.AuthMethod != "tls_client_auth" {
					return fmt.Errorf("the server saw %s (%s); want tls_client_auth", r.AuthMethod, r.Error)
				}
				if !strings.Contains(strings.Join(vault.Requests(), "\n"), "POST /v1/transit/sign/mtls/") {
					return fmt.Errorf("the handshake was not signed in Vault: %v", vault.Requests())
				}
				return nil
			},
		}},
	})
}

// A Cloud KMS key version fixes its algorithm (here PS256): the data source
// refuses another signing_algorithm, as clientcreds_token does, rather than
// publish a key that would never sign with it.
func TestAccSigningKeyFixedAlgorithmRefused(t *testing.T) {
	const gcpName = "projects/acme/locations/europe-west1/keyRings/ci/cryptoKeys/signer/cryptoKeyVersions/3"
	gcp := testkms.StartCloudKMS(t, accGCPToken, gcpName)
	gcp.AddKey(gcpName, testkms.RSAKey(t))
	t.Setenv("CLIENTCREDS_GCPKMS_ENDPOINT", gcp.URL)
	t.Setenv("GOOGLE_OAUTH_ACCESS_TOKEN", accGCPToken)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("data \"clientcreds_signing_key\" \"k\" {\n  private_key_kms   = %q\n  signing_algorithm = \"RS256\"\n}\n",
				"gcpkms://"+gcpName),
			ExpectError: regexp.MustCompile(`(?s)Invalid Signing Algorithm.*signs\s+with\s+PS256\s+only`),
		}},
	})
}
