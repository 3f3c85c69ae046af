package signer

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testkms"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

// The REST key services against test servers written from their API
// documentation (the pages are cited in internal/testkms/fakes.go): every
// signature verifies with the public key the service returned; refusals
// carry the URI and the service's own words, never the credential.

const (
	vaultToken  = "hvs.CAESIJtestVaultToken0123456789abcdef"
	gcpToken    = "ya29.a0testGoogleAccessToken0123456789"
	azureToken  = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test-key-vault-token.sig"
	azureSecret = "azure~client~secret~0123456789abcdef"
)

func envOf(vars map[string]string) Env {
	return Env{Redact: redact.New(), Getenv: func(k string) string { return vars[k] }, Wait: time.Millisecond}
}

func verify(t *testing.T, uri string, s crypto.Signer, pss bool) {
	t.Helper()
	msg := []byte("header.payload")
	switch pub := s.Public().(type) {
	case *rsa.PublicKey:
		d := sha256.Sum256(msg)
		pssOpts := &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}
		var opts crypto.SignerOpts = crypto.SHA256
		if pss {
			opts = pssOpts
		}
		sig, err := s.Sign(rand.Reader, d[:], opts)
		if err != nil {
			t.Fatalf("%s: %v", uri, err)
		}
		if pss {
			err = rsa.VerifyPSS(pub, crypto.SHA256, d[:], sig, pssOpts)
		} else {
			err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig)
		}
		if err != nil {
			t.Errorf("%s: the signature does not verify: %v", uri, err)
		}
	case *ecdsa.PublicKey:
		var d []byte
		h := crypto.SHA256
		if pub.Curve == elliptic.P384() {
			s := sha512.Sum384(msg)
			d, h = s[:], crypto.SHA384
		} else {
			s := sha256.Sum256(msg)
			d = s[:]
		}
		sig, err := s.Sign(rand.Reader, d, h)
		if err != nil {
			t.Fatalf("%s: %v", uri, err)
		}
		if !ecdsa.VerifyASN1(pub, d, sig) {
			t.Errorf("%s: the ECDSA signature does not verify", uri)
		}
	default:
		t.Fatalf("%s: public key %T", uri, pub)
	}
}

func openWith(t *testing.T, uri string, env Env) crypto.Signer {
	t.Helper()
	k, err := Open(uri, env)
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Signer(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", uri, err)
	}
	return s
}

func wantFailure(t *testing.T, uri string, env Env, want string, secrets ...string) {
	t.Helper()
	k, err := Open(uri, env)
	if err == nil {
		_, err = k.Signer(context.Background())
	}
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), uri) {
		t.Errorf("%s: error %v; want the URI and %q", uri, err, want)
		return
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("%s: the error shows a credential: %v", uri, err)
		}
	}
}

func TestVaultTransit(t *testing.T) {
	v := testkms.StartVault(t, vaultToken, "secret-signing")
	v.AddKey("rsa", testpki.RSA(t, 2048))
	v.AddKey("p256", testpki.EC(t, elliptic.P256()))
	v.AddKey("p384", testpki.EC(t, elliptic.P384()))
	v.AddEncryptionKey("aes")
	vars := map[string]string{"VAULT_ADDR": v.URL, "VAULT_TOKEN": vaultToken, "TRANSIT_SECRET_ENGINE_PATH": "secret-signing", "VAULT_NAMESPACE": "team-a"}
	env := envOf(vars)
	s := openWith(t, "hashivault://rsa", env)
	verify(t, "hashivault://rsa", s, false)
	verify(t, "hashivault://rsa", s, true)
	verify(t, "hashivault://p256", openWith(t, "hashivault://p256", env), false)
	verify(t, "hashivault://p384", openWith(t, "hashivault://p384", env), false)
	got := strings.Join(v.Requests(), "\n")
	for _, want := range []string{"GET /v1/secret-signing/keys/rsa", "POST /v1/secret-signing/sign/rsa/sha2-256", "POST /v1/secret-signing/sign/p384/sha2-384"} {
		if !strings.Contains(got, want) {
			t.Errorf("the server was not asked %q; it saw:\n%s", want, got)
		}
	}

	// A 503 is retried; a refusal is not.
	v.FailOnce("/v1/secret-signing/keys/p256", http.StatusServiceUnavailable)
	openWith(t, "hashivault://p256", env)

	wantFailure(t, "hashivault://missing", env, "HTTP 404")
	if n := strings.Count(strings.Join(v.Requests(), "\n")+"\n", "GET /v1/secret-signing/keys/missing\n"); n != 1 {
		t.Errorf("the refused read was sent %d times; want once", n)
	}
	// The version whose public key was read signs, named: a rotation in
	// between cannot mismatch them.
	if len(v.SignedVersions()) == 0 {
		t.Error("no signature was asked")
	}
	for _, ver := range v.SignedVersions() {
		if ver != 2 {
			t.Errorf("a signature was asked of key_version %d; want the latest read, 2 (all: %v)", ver, v.SignedVersions())
			break
		}
	}
	wantFailure(t, "hashivault://aes", env, "aes256-gcm96, which does not sign")
	bad := map[string]string{"VAULT_ADDR": v.URL, "VAULT_TOKEN": "hvs.wrong-token-0123456789", "TRANSIT_SECRET_ENGINE_PATH": "secret-signing"}
	wantFailure(t, "hashivault://rsa", envOf(bad), "permission denied", "hvs.wrong-token-0123456789")
	wantFailure(t, "hashivault://rsa", envOf(map[string]string{"VAULT_ADDR": "http://127.0.0.1:1", "VAULT_TOKEN": vaultToken}), "unreachable", vaultToken)
	wantFailure(t, "hashivault://rsa", envOf(map[string]string{"VAULT_ADDR": "http://vault.example:8200", "VAULT_TOKEN": vaultToken}), "plain http")
}

// VAULT_CACERT: a Vault with a certificate of its own is trusted through
// the bundle, and refused without it.
func TestVaultTransitCACert(t *testing.T) {
	v := testkms.StartVaultTLS(t, vaultToken, "transit")
	v.AddKey("rsa", testpki.RSA(t, 2048))
	ca := filepath.Join(t.TempDir(), "vault-ca.pem")
	if err := os.WriteFile(ca, []byte(v.CAPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	verify(t, "hashivault://rsa", openWith(t, "hashivault://rsa", envOf(map[string]string{"VAULT_ADDR": v.URL, "VAULT_TOKEN": vaultToken, "VAULT_CACERT": ca})), false)
	wantFailure(t, "hashivault://rsa", envOf(map[string]string{"VAULT_ADDR": v.URL, "VAULT_TOKEN": vaultToken}), "certificate", vaultToken)
}

func TestCloudKMS(t *testing.T) {
	g := testkms.StartCloudKMS(t, gcpToken, "projects/p/locations/global/keyRings/ci/cryptoKeys/pss/cryptoKeyVersions/1")
	const base = "projects/p/locations/global/keyRings/ci/cryptoKeys/"
	g.AddKey(base+"rsa/cryptoKeyVersions/1", testpki.RSA(t, 2048))
	g.AddKey(base+"pss/cryptoKeyVersions/1", testpki.RSA(t, 2048))
	g.AddKey(base+"ec/cryptoKeyVersions/3", testpki.EC(t, elliptic.P256()))
	g.AddEncryptionKey(base + "aes/cryptoKeyVersions/1")
	env := envOf(map[string]string{"CLIENTCREDS_GCPKMS_ENDPOINT": g.URL, "GOOGLE_OAUTH_ACCESS_TOKEN": gcpToken})
	for name, want := range map[string]string{"rsa/cryptoKeyVersions/1": "RS256", "pss/cryptoKeyVersions/1": "PS256", "ec/cryptoKeyVersions/3": "ES256"} {
		uri := "gcpkms://" + base + name
		s := openWith(t, uri, env)
		if a, ok := s.(interface{ JWSAlgorithm() string }); !ok || a.JWSAlgorithm() != want {
			alg := ""
			if ok {
				alg = a.JWSAlgorithm()
			}
			t.Errorf("%s: algorithm %s; want %s", uri, alg, want)
		}
		verify(t, uri, s, want == "PS256")
	}
	wantFailure(t, "gcpkms://"+base+"gone/cryptoKeyVersions/1", env, "NOT_FOUND")
	wantFailure(t, "gcpkms://"+base+"aes/cryptoKeyVersions/1", env, "FAILED_PRECONDITION")
	wantFailure(t, "gcpkms://"+base+"rsa/cryptoKeyVersions/1",
		envOf(map[string]string{"CLIENTCREDS_GCPKMS_ENDPOINT": g.URL, "GOOGLE_OAUTH_ACCESS_TOKEN": "ya29.stolen-or-stale-0123456789"}), "UNAUTHENTICATED", "ya29.stolen-or-stale-0123456789")
}

func TestKeyVault(t *testing.T) {
	kv := testkms.StartKeyVault(t, "tenant-1", "app-1", azureSecret, azureToken)
	kv.AddKey("rsa", testpki.RSA(t, 2048))
	kv.AddKey("ec", testpki.EC(t, elliptic.P256()))
	kv.AddEncryptionKey("aes")
	host := strings.TrimPrefix(kv.URL, "http://")
	vars := map[string]string{"AZURE_TENANT_ID": "tenant-1", "AZURE_CLIENT_ID": "app-1", "AZURE_CLIENT_SECRET": azureSecret, "AZURE_AUTHORITY_HOST": kv.URL}
	env := envOf(vars)
	s := openWith(t, "azurekms://"+host+"/rsa", env)
	verify(t, "azurekms rsa", s, false)
	verify(t, "azurekms rsa", s, true)
	verify(t, "azurekms ec", openWith(t, "azurekms://"+host+"/ec/v2", env), false)
	if got := strings.Join(kv.Requests(), "\n"); !strings.Contains(got, "POST /keys/rsa/v2/sign") || !strings.Contains(got, "POST /tenant-1/oauth2/v2.0/token") {
		t.Errorf("the vault saw:\n%s", got)
	}
	// The token request is retried as every call is, its form sent again.
	tokenPosts := func() int {
		return strings.Count(strings.Join(kv.Requests(), "\n"), "POST /tenant-1/oauth2/v2.0/token")
	}
	before := tokenPosts()
	kv.FailOnce("/tenant-1/oauth2/v2.0/token", http.StatusServiceUnavailable)
	openWith(t, "azurekms://"+host+"/rsa", env)
	if n := tokenPosts() - before; n != 2 {
		t.Errorf("the token was asked %d times after a 503; want 2", n)
	}
	wantFailure(t, "azurekms://"+host+"/gone", env, "KeyNotFound")
	wantFailure(t, "azurekms://"+host+"/ec/v1", env, "KeyNotFound")
	wantFailure(t, "azurekms://"+host+"/aes", env, "do not include sign")
	bad := map[string]string{"AZURE_TENANT_ID": "tenant-1", "AZURE_CLIENT_ID": "app-1", "AZURE_CLIENT_SECRET": "wrong~secret~0123456789", "AZURE_AUTHORITY_HOST": kv.URL}
	wantFailure(t, "azurekms://"+host+"/rsa", envOf(bad), "AADSTS7000215", "wrong~secret~0123456789")
}
