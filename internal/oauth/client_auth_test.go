package oauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

var allMethods = []string{"client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"}

// realClock: the authorization server checks assertion times against its own clock.
func realClock(c *Config) { c.Now = time.Now }

func startAuth(t *testing.T, opts authserver.Options) *authserver.Server {
	t.Helper()
	if opts.AuthMethods == nil {
		opts.AuthMethods = allMethods
	}
	s, err := authserver.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestPrivateKeyJWTEveryKeyType(t *testing.T) {
	for _, k := range testKeys(t) {
		t.Run(k.name, func(t *testing.T) {
			srv := startAuth(t, authserver.Options{ClientKeys: map[string]crypto.PublicKey{"svc": k.pub}})
			c := newClient(t, realClock)
			req := TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", PrivateKey: Inline(string(k.pem)), SigningAlgorithm: k.alg, KeyID: "key-1", NoShare: true}
			if req.chooseAuthMethod(nil) != PrivateKeyJWT {
				t.Fatal("a private key without a secret should imply private_key_jwt")
			}
			for range 2 {
				if _, err := c.Token(context.Background(), req); err != nil {
					t.Fatal(err)
				}
			}
			reqs := srv.TokenRequests()
			a, b := reqs[0].Assertion, reqs[1].Assertion
			if a == nil || b == nil || reqs[0].AuthMethod != "private_key_jwt" {
				t.Fatalf("server saw %+v", reqs[0])
			}
			if a.Alg != k.alg || a.KeyID != "key-1" || a.X5tS256 != "" {
				t.Errorf("header alg %s kid %q x5t#S256 %q", a.Alg, a.KeyID, a.X5tS256)
			}
			if a.Claims.ID == b.Claims.ID {
				t.Error("two assertions share a jti")
			}
			if life := a.Claims.Expiry.Time().Sub(a.Claims.IssuedAt.Time()); life != assertionLifetime {
				t.Errorf("assertion lifetime %v", life)
			}
			if got := reqs[0].Params.Get("client_assertion_type"); got != jwtBearerAssertionType {
				t.Errorf("client_assertion_type %q", got)
			}
		})
	}
}

func TestPrivateKeyJWTCertificateThumbprintAndAudience(t *testing.T) {
	k := testKeys(t)[0]
	ca := testpki.NewCA(t)
	der := ca.Issue(t, "", time.Hour, k.pub)
	srv := startAuth(t, authserver.Options{ClientKeys: map[string]crypto.PublicKey{"svc": k.pub}, AssertionAudience: "https://issuer.example"})
	_, err := newClient(t, realClock).Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc",
		PrivateKey: Inline(string(k.pem)), CertificatePEM: certPEM(der), AssertionAudience: "https://issuer.example"})
	if err != nil {
		t.Fatal(err)
	}
	a := srv.TokenRequests()[0].Assertion
	want, _ := certificateThumbprint(certPEM(der), mustKey(t, k.pem))
	if a.X5tS256 == "" || a.X5tS256 != want {
		t.Errorf("x5t#S256 %q, want %q", a.X5tS256, want)
	}
}

func TestClientSecretJWT(t *testing.T) {
	secret := strings.Repeat("k", 64)
	for _, alg := range []string{"", "HS256", "HS384", "HS512"} {
		srv := startAuth(t, authserver.Options{Clients: map[string]string{"svc": secret}})
		_, err := newClient(t, realClock).Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc",
			ClientSecret: Inline(secret), AuthMethod: ClientSecretJWT, SigningAlgorithm: alg})
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		r := srv.TokenRequests()[0]
		if want := map[string]string{"": "HS256"}[alg]; r.AuthMethod != "client_secret_jwt" || r.Assertion.Alg != max(alg, want) {
			t.Errorf("%s: server saw %s with %s", alg, r.AuthMethod, r.Assertion.Alg)
		}
		if strings.Contains(r.Params.Encode(), secret) {
			t.Error("the secret itself was sent")
		}
	}
}

// An assertion signed by another key, or replayed, is refused; the error is
// the server's invalid_client.
func TestTamperedAndReplayedAssertionsRefused(t *testing.T) {
	k := testKeys(t)[0]
	srv := startAuth(t, authserver.Options{ClientKeys: map[string]crypto.PublicKey{"svc": k.pub}})
	c := newClient(t, realClock)
	other, _ := testpki.ECKey(t)
	forged := signTestAssertion(t, testpki.PKCS8PEM(other), srv.TokenURL())
	_, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientAssertion: Inline(forged)})
	mustFail(t, err, "invalid_client")
	if got := srv.TokenRequests()[0].Error; !strings.Contains(got, "signature") {
		t.Errorf("server refused for %q, not the signature", got)
	}

	good := signTestAssertion(t, k.pem, srv.TokenURL())
	req := TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientAssertion: Inline(good), NoShare: true}
	if _, err := c.Token(context.Background(), req); err != nil {
		t.Fatalf("a valid caller-supplied assertion was refused: %v", err)
	}
	_, err = c.Token(context.Background(), req)
	mustFail(t, err, "invalid_client")
	if got := srv.TokenRequests()[2].Error; !strings.Contains(got, "jti replayed") {
		t.Errorf("replay refused for %q", got)
	}

	// A token signed by the right key but with a payload altered after signing.
	parts := strings.Split(signTestAssertion(t, k.pem, srv.TokenURL()), ".")
	parts[1] = strings.TrimRight(parts[1], "A") + "B"
	_, err = c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientAssertion: Inline(strings.Join(parts, ".")), NoShare: true})
	mustFail(t, err, "invalid_client")
}

// The assertion file is read for every request, so rotation is picked up.
func TestClientAssertionFileReadEachTime(t *testing.T) {
	k := testKeys(t)[0]
	srv := startAuth(t, authserver.Options{ClientKeys: map[string]crypto.PublicKey{"svc": k.pub}})
	file := filepath.Join(t.TempDir(), "token")
	c := newClient(t, realClock)
	for range 2 {
		a := signTestAssertion(t, k.pem, srv.TokenURL())
		if err := os.WriteFile(file, []byte(a+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientAssertion: Secret{File: file}, NoShare: true}); err != nil {
			t.Fatal(err)
		}
	}
	reqs := srv.TokenRequests()
	if reqs[0].Assertion.Claims.ID == reqs[1].Assertion.Claims.ID {
		t.Error("the rotated file was not read again")
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	_, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientAssertion: Secret{File: file}, NoShare: true})
	mustFail(t, err, "client_assertion_file could not be read")
}

func TestMutualTLS(t *testing.T) {
	ca := testpki.NewCA(t)
	clientKey, keyPEM := testpki.ECKey(t)
	der := ca.Issue(t, "", time.Hour, clientKey.Public())
	srvTLS := ca.ServerTLS(t, "127.0.0.1", time.Hour)
	srvTLS.ClientAuth = tls.RequireAnyClientCert
	srv := startAuth(t, authserver.Options{TLS: srvTLS, ClientCerts: map[string][32]byte{"svc": testpki.CertSum(der)}})
	c := newClient(t, func(c *Config) { c.CACertPEM = ca.PEM })

	for _, m := range []AuthMethod{TLSClientAuth, SelfSignedTLSClientAuth} {
		tok, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", AuthMethod: m,
			CertificatePEM: certPEM(der), PrivateKey: Inline(string(keyPEM)), NoShare: true})
		if err != nil || !srv.Issued(tok.AccessToken) {
			t.Fatalf("%s: %v", m, err)
		}
	}
	r := srv.TokenRequests()[0]
	if r.AuthMethod != "tls_client_auth" || r.Params.Get("client_id") != "svc" {
		t.Errorf("server saw %s, client_id %q", r.AuthMethod, r.Params.Get("client_id"))
	}
	// Another certificate is refused; no certificate fails the handshake.
	otherKey, otherKeyPEM := testpki.ECKey(t)
	otherDER := ca.Issue(t, "", time.Hour, otherKey.Public())
	_, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", AuthMethod: TLSClientAuth,
		CertificatePEM: certPEM(otherDER), PrivateKey: Inline(string(otherKeyPEM))})
	mustFail(t, err, "invalid_client")
	_, err = c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientSecret: Inline(testSecret)})
	mustFail(t, err, "certificate")
}

func TestAuthValidation(t *testing.T) {
	keys := testKeys(t)
	rsaPEM, ecPEM := keys[0].pem, keys[4].pem
	smallPEM := testpki.PKCS1PEM(testpki.RSA(t, 1024))
	ca := testpki.NewCA(t)
	otherCert := certPEM(ca.Issue(t, "", time.Hour, keys[4].pub))
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1, 2, 3}})
	base := TokenRequest{TokenURL: "https://idp.example/token", ClientID: "svc"}
	for _, tc := range []struct {
		name string
		mod  func(r *TokenRequest)
		want string
		arg  string // the argument blamed
	}{
		{"RSA key with ES256", func(r *TokenRequest) {
			r.AuthMethod, r.PrivateKey, r.SigningAlgorithm = PrivateKeyJWT, keyOf(rsaPEM), "ES256"
		}, "ES256 does not fit an RSA key", ArgSigningAlgorithm},
		{"P-256 key with ES384", func(r *TokenRequest) { r.PrivateKey, r.SigningAlgorithm = keyOf(ecPEM), "ES384" }, "does not fit an ECDSA key on curve P-256; use ES256", ArgSigningAlgorithm},
		{"EC key with default RS256", func(r *TokenRequest) { r.PrivateKey = keyOf(ecPEM) }, "RS256 does not fit an ECDSA key", ArgSigningAlgorithm},
		{"1024-bit RSA", func(r *TokenRequest) { r.PrivateKey = keyOf(smallPEM) }, "at least 2048", ArgPrivateKeyPEM},
		{"encrypted key", func(r *TokenRequest) { r.PrivateKey = keyOf(encrypted) }, "encrypted", ArgPrivateKeyPEM},
		{"no key in PEM", func(r *TokenRequest) { r.AuthMethod, r.PrivateKey = PrivateKeyJWT, keyOf(otherCert) }, "no PEM private key", ArgPrivateKeyPEM},
		{"certificate of another key", func(r *TokenRequest) { r.PrivateKey, r.CertificatePEM = keyOf(rsaPEM), otherCert }, "does not belong to the private key", ArgCertificatePEM},
		// The configured auth_method demands the key: it is the argument blamed.
		{"private_key_jwt without key", func(r *TokenRequest) { r.AuthMethod = PrivateKeyJWT }, "needs private_key_pem, private_key_file or private_key_env", ArgAuthMethod},
		{"secret with private_key_jwt", func(r *TokenRequest) {
			r.AuthMethod, r.PrivateKey, r.ClientSecret = PrivateKeyJWT, keyOf(rsaPEM), Inline("x")
		}, "does not use client_secret", ArgClientSecret},
		{"key with basic", func(r *TokenRequest) {
			r.AuthMethod, r.ClientSecret, r.PrivateKey = ClientSecretBasic, Inline("x"), keyOf(rsaPEM)
		}, "does not use private_key_pem, private_key_file or private_key_env", ArgPrivateKeyPEM},
		{"key file with basic", func(r *TokenRequest) {
			r.AuthMethod, r.ClientSecret, r.PrivateKey = ClientSecretBasic, Inline("x"), Secret{File: "/k.pem"}
		}, "does not use private_key_pem, private_key_file or private_key_env", ArgPrivateKeyFile},
		{"alg with basic", func(r *TokenRequest) { r.ClientSecret, r.SigningAlgorithm = Inline("x"), "RS256" }, "does not use signing_algorithm", ArgSigningAlgorithm},
		{"short HMAC secret", func(r *TokenRequest) { r.AuthMethod, r.ClientSecret = ClientSecretJWT, Inline("short") }, "at least 32 bytes", ArgClientSecret},
		{"RS256 for client_secret_jwt", func(r *TokenRequest) {
			r.AuthMethod, r.ClientSecret, r.SigningAlgorithm = ClientSecretJWT, Inline(strings.Repeat("k", 64)), "RS256"
		}, "does not fit client_secret_jwt", ArgSigningAlgorithm},
		{"both assertions", func(r *TokenRequest) { r.ClientAssertion = Secret{Value: "a.b.c", File: "/f"} }, "only one of client_assertion", ArgClientAssertionFile},
		{"assertion with key", func(r *TokenRequest) {
			r.AuthMethod, r.ClientAssertion, r.PrivateKey = ClientAssertion, Inline("a.b.c"), keyOf(rsaPEM)
		}, "The auth_method \"client_assertion\" does not use private_key_pem", ArgPrivateKeyPEM},
		{"mTLS without certificate", func(r *TokenRequest) { r.AuthMethod, r.PrivateKey = TLSClientAuth, keyOf(rsaPEM) }, "needs certificate_pem or certificate_file", ArgAuthMethod},
		{"mTLS pair mismatch", func(r *TokenRequest) {
			r.AuthMethod, r.PrivateKey, r.CertificatePEM = TLSClientAuth, keyOf(rsaPEM), otherCert
		}, "do not form a pair", ArgCertificatePEM},
		{"unknown method", func(r *TokenRequest) { r.AuthMethod, r.ClientSecret = "bogus", Inline("x") }, "The auth_method \"bogus\" is not supported", ArgAuthMethod},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			tc.mod(&r)
			err := validate(&r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			var ae *ArgError
			if !errors.As(err, &ae) || ae.Arg != tc.arg {
				t.Errorf("blames %+v; want %s", ae, tc.arg)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY-----") {
				t.Error("the error quotes the key")
			}
		})
	}
}

func mustKey(t *testing.T, p []byte) crypto.Signer {
	k, err := ParsePrivateKey(p)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signTestAssertion stands for an external identity provider's token for
// the client "svc".
func signTestAssertion(t *testing.T, keyPEM []byte, aud string) string {
	const sub = "svc"
	t.Helper()
	key := mustKey(t, keyPEM)
	alg := jose.RS256
	if _, ok := key.(*ecdsa.PrivateKey); ok {
		alg = jose.ES256
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	jti := make([]byte, 8)
	_, _ = rand.Read(jti)
	out, err := jwt.Signed(s).Claims(jwt.Claims{Issuer: sub, Subject: sub, Audience: jwt.Audience{aud}, ID: string(jti) + now.String(),
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// validate checks a request as Token does before sending it.
func validate(r *TokenRequest) error {
	r.SetDefaults(nil)
	if err := r.validate(); err != nil {
		return err
	}
	res, err := r.resolve(redact.New())
	if err != nil {
		return err
	}
	return res.checkValues()
}

// keyOf is a PEM key given inline.
func keyOf(b []byte) Secret { return Inline(string(b)) }
