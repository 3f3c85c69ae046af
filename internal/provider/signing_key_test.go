package provider

import (
	"crypto"
	"crypto/elliptic"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testkms"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

// trustJWKS registers with srv, for each client (or grant issuer) named,
// the key of the jwks a clientcreds_signing_key put in the state: what an
// administrator does when registering the public key with the IdP. It
// returns the kids, by data source.
func trustJWKS(srv *authserver.Server, kids map[string]string, byDataSource map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for ds, client := range byDataSource {
			r := s.RootModule().Resources["data.clientcreds_signing_key."+ds]
			if r == nil {
				return fmt.Errorf("no data.clientcreds_signing_key.%s in the state", ds)
			}
			var set jose.JSONWebKeySet
			if err := json.Unmarshal([]byte(r.Primary.Attributes["jwks"]), &set); err != nil || len(set.Keys) != 1 {
				return fmt.Errorf("%s: jwks %q is not a set of one key (%v)", ds, r.Primary.Attributes["jwks"], err)
			}
			k := set.Keys[0]
			if k.Use != "sig" || k.KeyID != r.Primary.Attributes["kid"] || k.Algorithm != r.Primary.Attributes["alg"] {
				return fmt.Errorf("%s: jwk use %q kid %q alg %q; the data source says kid %q alg %q", ds, k.Use, k.KeyID, k.Algorithm,
					r.Primary.Attributes["kid"], r.Primary.Attributes["alg"])
			}
			if !strings.Contains(r.Primary.Attributes["public_key_pem"], "BEGIN PUBLIC KEY") {
				return fmt.Errorf("%s: public_key_pem %q", ds, r.Primary.Attributes["public_key_pem"])
			}
			srv.TrustKey(client, crypto.PublicKey(k.Key))
			kids[ds] = k.KeyID
		}
		return nil
	}
}

// Keys held by AWS KMS (local-kms, the emulator, on a free port) sign
// private_key_jwt assertions and a JWT bearer grant through real
// Terraform. Step 1 reads each key's public half with
// clientcreds_signing_key and registers it with the authorization server;
// step 2 gets tokens, and the server verifies every assertion against the
// key the data source returned: RS256 for the RSA key, ES256 for the P-256
// key (the algorithm follows the key), the kid the data source reported,
// and the rfc7523bis profile's aud and typ. AWS credentials appear nowhere
// in the state.
func TestAccSigningKeyAWSKMS(t *testing.T) {
	kmsSrv := testkms.Start(t)
	testkms.Env(t)
	rsaID := kmsSrv.CreateKey(t, types.KeySpecRsa2048, types.KeyUsageTypeSignVerify)
	ecID := kmsSrv.CreateKey(t, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	kmsSrv.Alias(t, "alias/terraform-ci", rsaID)
	rsaURI := "awskms://" + kmsSrv.Endpoint + "/alias/terraform-ci"
	ecURI := "awskms://" + kmsSrv.Endpoint + "/" + ecID
	srv := startServer(t, authserver.Options{AuthMethods: jwtMethods, JWTBearer: &authserver.JWTBearer{}})
	// An rfc7523bis server takes only its issuer identifier as aud.
	bis := startBisServer(t, "/oauth2/default")
	keys := fmt.Sprintf(`
data "clientcreds_signing_key" "rsa" {
  private_key_kms = %q
}
data "clientcreds_signing_key" "ec" {
  private_key_kms = %q
}
`, rsaURI, ecURI)
	tokens := fmt.Sprintf(`
data "clientcreds_token" "rsa" {
  token_url       = %[1]q
  client_id       = "rsa-client"
  private_key_kms = %[2]q
}
data "clientcreds_token" "ec" {
  issuer            = %[3]q
  client_id         = "ec-client"
  private_key_kms   = %[4]q
  assertion_profile = "rfc7523bis"
}
data "clientcreds_token" "grant" {
  token_url        = %[1]q
  grant_type       = "jwt_bearer"
  assertion_issuer = "grant-issuer"
  private_key_kms  = %[4]q
  key_id           = "chosen-kid"
}
`, srv.TokenURL(), rsaURI, bis.Issuer, ecURI)
	kids := map[string]string{}
	serialAccTest(t, []resource.TestStep{
		{
			Config: keys,
			ConfigStateChecks: []statecheck.StateCheck{
				stateString("data.clientcreds_signing_key.rsa", "alg", "RS256"),
				stateString("data.clientcreds_signing_key.ec", "alg", "ES256"),
			},
			Check: resource.ComposeTestCheckFunc(trustJWKS(srv, kids, map[string]string{"rsa": "rsa-client", "ec": "grant-issuer"}),
				trustJWKS(bis, kids, map[string]string{"ec": "ec-client"})),
		},
		{
			Config: keys + tokens,
			ConfigStateChecks: []statecheck.StateCheck{
				stateIs("data.clientcreds_token.rsa", "access_token", issuedBy(srv)),
				stateString("data.clientcreds_token.rsa", "auth_method", "private_key_jwt"),
				stateIs("data.clientcreds_token.ec", "access_token", issuedBy(bis)),
				stateIs("data.clientcreds_token.grant", "access_token", issuedBy(srv)),
			},
			Check: func(s *terraform.State) error {
				seen := map[string]bool{}
				for _, r := range append(srv.TokenRequests(), bis.TokenRequests()...) {
					if r.Error != "" {
						return fmt.Errorf("a request of %s was refused: %s", r.ClientID, r.Error)
					}
					a := r.Assertion
					switch {
					case r.Grant != nil:
						seen["grant"] = true
						if r.Grant.Kid != "chosen-kid" || r.Grant.Issuer != "grant-issuer" {
							return fmt.Errorf("grant assertion kid %q iss %q", r.Grant.Kid, r.Grant.Issuer)
						}
					case r.ClientID == "rsa-client":
						seen["rsa"] = true
						if a.Alg != "RS256" || a.KeyID != kids["rsa"] {
							return fmt.Errorf("rsa-client's assertion: alg %s kid %s; want RS256 %s", a.Alg, a.KeyID, kids["rsa"])
						}
					case r.ClientID == "ec-client":
						seen["ec"] = true
						if a.Alg != "ES256" || a.KeyID != kids["ec"] {
							return fmt.Errorf("ec-client's assertion: alg %s kid %s; want ES256 %s", a.Alg, a.KeyID, kids["ec"])
						}
						if !strings.Contains(r.RawAssertion, ".") {
							return fmt.Errorf("no raw assertion")
						}
						h, err := jose.ParseSignedCompact(r.RawAssertion, []jose.SignatureAlgorithm{jose.ES256})
						if err != nil || h.Signatures[0].Header.ExtraHeaders["typ"] != "client-authentication+jwt" {
							return fmt.Errorf("rfc7523bis typ header: %v %v", h, err)
						}
						var claims map[string]any
						if err := json.Unmarshal(h.UnsafePayloadWithoutVerification(), &claims); err != nil || claims["aud"] != bis.Issuer {
							return fmt.Errorf("rfc7523bis aud %v; want the issuer %q as a single string", claims["aud"], bis.Issuer)
						}
					}
				}
				if len(seen) != 3 {
					return fmt.Errorf("the server saw %v; want rsa, ec and grant", seen)
				}
				for name, r := range s.RootModule().Resources {
					for k, v := range r.Primary.Attributes {
						if strings.Contains(v, testkms.SecretAccessKey) {
							return fmt.Errorf("%s.%s holds the AWS secret access key", name, k)
						}
					}
				}
				return nil
			},
		},
	})
}

// startBisServer runs an authorization server that takes, as
// draft-ietf-oauth-rfc7523bis has it, only its issuer identifier as a
// client assertion's aud.
func startBisServer(t *testing.T, issuerPath string) *authserver.Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := l.Addr().String()
	must(t, l.Close())
	s, err := authserver.StartOn(addr, authserver.Options{IssuerPath: issuerPath, AuthMethods: jwtMethods,
		AssertionAudience: "http://" + addr + issuerPath, Now: func() time.Time { return testhelp.Now }})
	must(t, err)
	t.Cleanup(s.Close)
	return s
}

// A key URI of no known scheme fails at validate, on the attribute; a key

// The ephemeral twin reads the same AWS KMS key as the data source: the
// same public key, the kid given (Terraform 1.10+; the data source's test
// above runs on every version).
func TestAccSigningKeyAWSKMSEphemeral(t *testing.T) {
	kmsSrv := testkms.Start(t)
	testkms.Env(t)
	ecURI := "awskms://" + kmsSrv.Endpoint + "/" + kmsSrv.CreateKey(t, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: factories(),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "clientcreds_signing_key" "ec" {
  private_key_kms = %[1]q
}
ephemeral "clientcreds_signing_key" "ec" {
  private_key_kms = %[1]q
  key_id          = "ec-2026"
}
provider "echo" {
  data = {
    kid = ephemeral.clientcreds_signing_key.ec.kid
    alg = ephemeral.clientcreds_signing_key.ec.alg
    pem = ephemeral.clientcreds_signing_key.ec.public_key_pem
  }
}
resource "echo" "ec" {}
`, ecURI),
			ConfigStateChecks: []statecheck.StateCheck{
				echoString("echo.ec", "kid", "ec-2026"),
				echoString("echo.ec", "alg", "ES256"),
				statecheck.CompareValuePairs("echo.ec", tfjsonpath.New("data").AtMapKey("pem"), "data.clientcreds_signing_key.ec",
					tfjsonpath.New("public_key_pem"), compare.ValuesSame()),
			},
		}},
	})
}

// that does not exist fails with the URI and KMS's error code.
func TestAccSigningKeyErrors(t *testing.T) {
	accTest(t, []resource.TestStep{{
		Config: `
data "clientcreds_token" "t" {
  token_url       = "https://idp.example/token"
  client_id       = "c"
  private_key_kms = "pkcs11:token=ci;object=signing"
}`,
		PlanOnly:    true,
		ExpectError: regexp.MustCompile(`(?s)Invalid Key URI.*names\s+no\s+key\s+service\s+this\s+provider\s+knows`),
	}, {
		Config: `
data "clientcreds_signing_key" "k" {
  private_key_kms = "gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k"
}`,
		PlanOnly:    true,
		ExpectError: regexp.MustCompile(`(?s)Invalid Key URI.*must\s+name\s+a\s+key\s+version`),
	}})
}

func TestAccSigningKeyAWSKMSMissingKey(t *testing.T) {
	kmsSrv := testkms.Start(t)
	testkms.Env(t)
	uri := "awskms://" + kmsSrv.Endpoint + "/alias/does-not-exist"
	serialAccTest(t, []resource.TestStep{{
		Config:      fmt.Sprintf("data \"clientcreds_signing_key\" \"k\" {\n  private_key_kms = %q\n}\n", uri),
		ExpectError: regexp.MustCompile(`(?s)could not use\s+` + regexp.QuoteMeta(uri) + `.*NotFoundException`),
	}})
}

// A PEM key in a file: its public half, the alg its curve implies and its
// thumbprint as kid; the private key is nowhere in the state. Two forms of
// the key are refused at validate.
func TestAccSigningKeyFromPEMFile(t *testing.T) {
	key, keyPEM := testpki.ECKey(t)
	file := filepath.Join(t.TempDir(), "client.key")
	must(t, os.WriteFile(file, keyPEM, 0o600))
	kid, err := oauth.Thumbprint(key.Public())
	must(t, err)
	accTest(t, []resource.TestStep{{
		Config: fmt.Sprintf(`
data "clientcreds_signing_key" "k" {
  private_key_file = %q
  private_key_pem  = "also"
}`, file),
		PlanOnly:    true,
		ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination`),
	}, {
		Config: fmt.Sprintf("data \"clientcreds_signing_key\" \"k\" {\n  private_key_file = %q\n}\n", file),
		ConfigStateChecks: []statecheck.StateCheck{
			stateString("data.clientcreds_signing_key.k", "alg", "ES256"),
			stateString("data.clientcreds_signing_key.k", "kid", kid),
		},
		Check: func(s *terraform.State) error {
			for k, v := range s.RootModule().Resources["data.clientcreds_signing_key.k"].Primary.Attributes {
				if strings.Contains(v, strings.Split(string(keyPEM), "\n")[1]) {
					return fmt.Errorf("%s holds the private key", k)
				}
			}
			return nil
		},
	}})
}

// Validate opens no key service: a machine without the key service's
// environment (here a VAULT_CACERT that does not exist) validates a
// configuration whose key URI is sound, and the URI is not blamed.
func TestKeyServiceNotOpenedAtValidate(t *testing.T) {
	t.Setenv("VAULT_CACERT", "/nonexistent/ca.pem")
	cfg := map[string]tftypes.Value{
		"token_url":       str("https://idp.example/token"),
		"client_id":       str("c"),
		"private_key_kms": str("hashivault://ci-key"),
	}
	for _, ephemeral := range []bool{false, true} {
		if diags := validate(t, ephemeral, "clientcreds_token", cfg); len(diags) != 0 {
			t.Errorf("ephemeral %t: validate failed: %s: %s", ephemeral, diags[0].Summary, diags[0].Detail)
		}
	}
	cfg["private_key_kms"] = str("hashivault://")
	if diags := validate(t, false, "clientcreds_token", cfg); len(diags) == 0 || diags[0].Summary != "Invalid Key URI" {
		t.Errorf("a URI of the wrong shape passed validate: %v", diags)
	}
}

// At read, a key service that cannot be set up from the environment is
// unavailable: the URI is not said to be invalid.
func TestAccSigningKeyServiceUnavailable(t *testing.T) {
	t.Setenv("VAULT_CACERT", "/nonexistent/ca.pem")
	serialAccTest(t, []resource.TestStep{{ // not parallel: it sets the environment
		Config:      "data \"clientcreds_signing_key\" \"k\" {\n  private_key_kms = \"hashivault://ci-key\"\n}\n",
		ExpectError: regexp.MustCompile(`(?s)Key Service Unavailable.*VAULT_CACERT`),
	}})
}

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
	vault.AddKey("ci-signer", testpki.RSA(t, 2048))
	const gcpName = "projects/acme/locations/europe-west1/keyRings/ci/cryptoKeys/signer/cryptoKeyVersions/2"
	gcp := testkms.StartCloudKMS(t, accGCPToken, gcpName)
	gcp.AddKey(gcpName, testpki.RSA(t, 2048))
	kv := testkms.StartKeyVault(t, "tenant-1", "app-1", accAzureSecret, accAzureToken)
	kv.AddKey("ci-signer", testpki.EC(t, elliptic.P256()))
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
			stateString("data.clientcreds_signing_key."+name, "alg", algs[name]),
			stateIs("data.clientcreds_token."+name, "access_token", issuedBy(srv)))
	}
	kids := map[string]string{}
	serialAccTest(t, []resource.TestStep{
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
	})
}

// A Vault token the server refuses: the user sees the URI and Vault's
// words, not the token.
func TestAccSigningKeyVaultDenied(t *testing.T) {
	vault := testkms.StartVault(t, accVaultToken, "transit")
	vault.AddKey("ci-signer", testpki.RSA(t, 2048))
	t.Setenv("VAULT_ADDR", vault.URL)
	t.Setenv("VAULT_TOKEN", "hvs.revoked-token-0123456789abcdef")
	srv := startServer(t, authserver.Options{AuthMethods: jwtMethods})
	serialAccTest(t, []resource.TestStep{{
		Config: fmt.Sprintf(`
data "clientcreds_token" "t" {
  token_url       = %q
  client_id       = "vault-client"
  private_key_kms = "hashivault://ci-signer"
}`, srv.TokenURL()),
		ExpectError: regexp.MustCompile(`(?s)could not use\s+hashivault://ci-signer.*HTTP\s+403:\s+permission\s+denied`),
	}})
}

// The client certificate's key held in Vault Transit: the mutual-TLS
// handshake signs through crypto.Signer, in Vault, and the server takes
// the certificate.
func TestAccSigningKeyMutualTLSInVault(t *testing.T) {
	vault := testkms.StartVault(t, accVaultToken, "transit")
	key := testpki.EC(t, elliptic.P256())
	vault.AddKey("mtls", key)
	t.Setenv("VAULT_ADDR", vault.URL)
	t.Setenv("VAULT_TOKEN", accVaultToken)
	ca := testpki.NewCA(t)
	der := ca.Issue(t, "", time.Hour, key.Public())
	srv := startServer(t, authserver.Options{AuthMethods: jwtMethods, TLS: ca.ServerTLS(t, "127.0.0.1", time.Hour),
		ClientCerts: map[string][32]byte{"svc": testpki.CertSum(der)}})
	serialAccTest(t, []resource.TestStep{{
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
			stateIs("data.clientcreds_token.mtls", "access_token", issuedBy(srv)),
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
	}})
}

// A Cloud KMS key version fixes its algorithm (here PS256): the data source
// refuses another signing_algorithm, as clientcreds_token does, rather than
// publish a key that would never sign with it.
func TestAccSigningKeyFixedAlgorithmRefused(t *testing.T) {
	const gcpName = "projects/acme/locations/europe-west1/keyRings/ci/cryptoKeys/signer/cryptoKeyVersions/3"
	gcp := testkms.StartCloudKMS(t, accGCPToken, gcpName)
	gcp.AddKey(gcpName, testpki.RSA(t, 2048))
	t.Setenv("CLIENTCREDS_GCPKMS_ENDPOINT", gcp.URL)
	t.Setenv("GOOGLE_OAUTH_ACCESS_TOKEN", accGCPToken)
	serialAccTest(t, []resource.TestStep{{
		Config: fmt.Sprintf("data \"clientcreds_signing_key\" \"k\" {\n  private_key_kms   = %q\n  signing_algorithm = \"RS256\"\n}\n",
			"gcpkms://"+gcpName),
		ExpectError: regexp.MustCompile(`(?s)Invalid Signing Algorithm.*signs\s+with\s+PS256\s+only`),
	}})
}
