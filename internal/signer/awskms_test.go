//go:build !no_awskms

package signer

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testkms"
)

// AWS KMS against local-kms, the emulator: RSA (PKCS#1 v1.5 and PSS) and
// P-256 signatures verify with the public key KMS returns; a missing key
// and a key for encryption fail with KMS's own words, without the secret
// access key.
func TestAWSKMSSignsWithLocalKMS(t *testing.T) {
	srv := testkms.Start(t)
	testkms.Env(t)
	rsaID := srv.CreateKey(t, types.KeySpecRsa2048, types.KeyUsageTypeSignVerify)
	ecID := srv.CreateKey(t, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	ec384ID := srv.CreateKey(t, types.KeySpecEccNistP384, types.KeyUsageTypeSignVerify)
	srv.Alias(t, "alias/terraform-client", rsaID)
	ctx := context.Background()
	digest := sha256.Sum256([]byte("header.payload"))

	for _, uri := range []string{"awskms://" + srv.Endpoint + "/" + rsaID, "awskms://" + srv.Endpoint + "/alias/terraform-client"} {
		s := signerOf(t, uri)
		pub, ok := s.Public().(*rsa.PublicKey)
		if !ok {
			t.Fatalf("%s: public key %T", uri, s.Public())
		}
		verify(t, uri, s, false)
		pss := &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}
		sig, err := s.Sign(rand.Reader, digest[:], pss)
		if err != nil {
			t.Fatalf("%s PSS: %v", uri, err)
		}
		// AWS KMS salts PSS with the hash's length; local-kms with the
		// most that fits. JWS verifiers (go-jose among them) take either.
		if err := rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}); err != nil {
			t.Errorf("%s: PSS signature does not verify: %v", uri, err)
		}
	}
	for _, id := range []string{ecID, ec384ID} {
		uri := "awskms://" + srv.Endpoint + "/" + id
		s := signerOf(t, uri)
		if _, ok := s.Public().(*ecdsa.PublicKey); !ok {
			t.Fatalf("%s: public key %T", uri, s.Public())
		}
		verify(t, uri, s, false) // SHA-384 for the P-384 key
	}

	encID := srv.CreateKey(t, types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt)
	symID := srv.CreateKey(t, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	for uri, want := range map[string]string{
		"awskms://" + srv.Endpoint + "/alias/nobody":                "NotFoundException",
		"awskms://" + srv.Endpoint + "/" + encID:                    "ENCRYPT_DECRYPT",
		"awskms://" + srv.Endpoint + "/" + symID:                    "UnsupportedOperationException",
		"awskms://127.0.0.1:1/0b1e4f2c-1111-4222-8333-944455556666": "unreachable",
	} {
		reg := redact.New()
		k, err := Open(uri, Env{Redact: reg, Attempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = k.Signer(ctx)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), uri) {
			t.Errorf("%s: error %v; want the URI and %q", uri, err, want)
		}
		if err != nil && strings.Contains(err.Error(), testkms.SecretAccessKey) {
			t.Errorf("%s: the error shows the secret access key", uri)
		}
	}
}

// AWS KMS is called through Env's client, as many times as Env.Attempts
// says.
func TestAWSKMSUsesEnv(t *testing.T) {
	testkms.Env(t)
	t.Setenv("AWS_CA_BUNDLE", "")
	var calls atomic.Int32
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{}, Request: r,
			Body: io.NopCloser(strings.NewReader(`{"__type":"KMSInternalException","message":"try later"}`))}, nil
	})}
	k, err := Open("awskms://127.0.0.1:1/0b1e4f2c-1111-4222-8333-944455556666", Env{Redact: redact.New(), HTTP: hc, Attempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = k.Signer(context.Background()); err == nil || !strings.Contains(err.Error(), "KMSInternalException") {
		t.Errorf("error %v; want KMS's own", err)
	}
	if calls.Load() != 2 {
		t.Errorf("Env's client was called %d times; want Env.Attempts, 2", calls.Load())
	}
}

func signerOf(t *testing.T, uri string) crypto.Signer {
	t.Helper()
	return openWith(t, uri, Env{Redact: redact.New()})
}

func TestCheckURI(t *testing.T) {
	for uri, want := range map[string]string{
		"awskms:///alias/x":                     "",
		"awskms://localhost:4566/1234abcd-12ab": "",
		"awskms://kms.eu-west-1.amazonaws.com/arn:aws:kms:eu-west-1:111122223333:key/1234abcd": "",
		"awskms://host":       "missing",
		"hashivault://my-key": "",
		"hashivault://a/b":    "holds a '/'",
		"gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1": "",
		"gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k":                     "key version",
		"azurekms://myvault.vault.azure.net/signing-key":                                   "",
		"azurekms://myvault.vault.azure.net/signing-key/0123abcd":                          "",
		"azurekms://myvault.vault.azure.net":                                               "VAULT.vault.azure.net/KEY",
		"pkcs11:token=x":                                                                   "names no key service",
		"kms://x":                                                                          "names no key service",
	} {
		err := CheckURI(uri)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", uri, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: error %v; want %q", uri, err, want)
		}
	}
}

// Container credentials (ECS, EKS Pod Identity): an endpoint that refuses
// the authorization token and echoes it, from the variable or the file,
// never shows it in the signer's error.
func TestAWSKMSContainerTokenNeverShows(t *testing.T) {
	ci := ciserver.StartT(t, ciserver.Options{})
	testkms.Env(t)
	t.Setenv("AWS_CA_BUNDLE", "")
	testhelp.SetEnv(t, ci.ContainerEnv())
	const uri = "awskms://127.0.0.1:1/0b1e4f2c-1111-4222-8333-944455556666"
	signerErr := func() string {
		t.Helper()
		k, err := Open(uri, Env{Redact: redact.New(), Attempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = k.Signer(context.Background())
		if err == nil || !strings.Contains(err.Error(), "no AWS credentials") || !strings.Contains(err.Error(), "is not this container's") {
			t.Fatalf("error %v; want the endpoint's refusal", err)
		}
		return err.Error()
	}
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-container-token-Vb8")
	if msg := signerErr(); strings.Contains(msg, "wrong-container-token-Vb8") {
		t.Errorf("the error shows the container's authorization token:\n%s", msg)
	}
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("wrong-file-token-Nm3"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "")
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file)
	if msg := signerErr(); strings.Contains(msg, "wrong-file-token-Nm3") {
		t.Errorf("the error shows the container's authorization token file's contents:\n%s", msg)
	}
}
