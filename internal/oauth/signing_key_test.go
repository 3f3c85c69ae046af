package oauth

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

// opaqueKey is a key service in miniature: a crypto.Signer whose private
// half no type switch can see, which counts its signatures and may fix the
// algorithm, as a Cloud KMS key version does.
type opaqueKey struct {
	key   crypto.Signer
	alg   string
	signs atomic.Int32
	fail  error
}

type opaqueSigner struct{ k *opaqueKey }

func (k *opaqueKey) URI() string { return "test://opaque" }
func (k *opaqueKey) Signer(context.Context) (crypto.Signer, error) {
	if k.fail != nil {
		return nil, k.fail
	}
	return opaqueSigner{k}, nil
}
func (s opaqueSigner) Public() crypto.PublicKey { return s.k.key.Public() }
func (s opaqueSigner) JWSAlgorithm() string     { return s.k.alg }
func (s opaqueSigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	s.k.signs.Add(1)
	return s.k.key.Sign(r, d, o)
}

// A key service signs client assertions and JWT bearer grants through
// crypto.Signer: the alg follows the key (ES384 for P-384, the fixed PS256)
// and the kid is the RFC 7638 thumbprint unless key_id is given.
func TestKeyServiceSignsThroughCryptoSigner(t *testing.T) {
	p384, rsaKey := testpki.EC(t, elliptic.P384()), testpki.RSA(t, 2048)
	for _, tc := range []struct {
		name, alg, fixed, keyID, wantKid string
		key                              crypto.Signer
	}{
		{name: "P-384 follows the key", key: p384, alg: "ES384"},
		{name: "PSS fixed by the key", key: rsaKey, fixed: "PS256", alg: "PS256"},
		{name: "RSA with key_id", key: rsaKey, alg: "RS256", keyID: "chosen", wantKid: "chosen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks := &opaqueKey{key: tc.key, alg: tc.fixed}
			srv := startAuth(t, authserver.Options{ClientKeys: map[string]crypto.PublicKey{"svc": tc.key.Public()},
				JWTBearer: &authserver.JWTBearer{Keys: map[string]crypto.PublicKey{"iss": tc.key.Public()}}})
			c := newClient(t, realClock)
			if _, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", KeyService: ks, KeyID: tc.keyID, NoShare: true}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), KeyService: ks, KeyID: tc.keyID, NoShare: true,
				Grant: &JWTBearer{Issuer: "iss"}}); err != nil {
				t.Fatal(err)
			}
			want := tc.wantKid
			if want == "" {
				want, _ = Thumbprint(tc.key.Public())
			}
			reqs := srv.TokenRequests()
			if a := reqs[0].Assertion; a == nil || reqs[0].AuthMethod != "private_key_jwt" || a.Alg != tc.alg || a.KeyID != want {
				t.Errorf("client assertion %+v by %s; want alg %s kid %s", a, reqs[0].AuthMethod, tc.alg, want)
			}
			if g := reqs[1].Grant; g == nil || reqs[1].Error != "" || g.Kid != want {
				t.Errorf("grant %+v (%s); want kid %s", g, reqs[1].Error, want)
			}
			if n := ks.signs.Load(); n != 2 {
				t.Errorf("the key service signed %d times; want 2", n)
			}
		})
	}
}

// A signing_algorithm the key does not allow, and a key service that
// fails, are errors that name what to change; rfc7523bis needs the issuer.
func TestKeyServiceRefusals(t *testing.T) {
	p256, _ := testpki.ECKey(t)
	rsaKey := testpki.RSA(t, 2048)
	srv := startAuth(t, authserver.Options{})
	c := newClient(t, realClock)
	for _, tc := range []struct {
		name string
		req  TokenRequest
		want string
	}{
		{"alg unfit", TokenRequest{KeyService: &opaqueKey{key: p256}, SigningAlgorithm: "RS256"}, "does not fit an ECDSA key"},
		{"alg fixed", TokenRequest{KeyService: &opaqueKey{key: rsaKey, alg: "PS256"}, SigningAlgorithm: "RS256"}, "signs with PS256 only"},
		{"service fails", TokenRequest{KeyService: &opaqueKey{key: p256, fail: errors.New("AccessDeniedException: not allowed")}}, "AccessDeniedException"},
		{"rfc7523bis without issuer", TokenRequest{KeyService: &opaqueKey{key: p256}, AssertionProfile: ProfileRFC7523bis}, "issuer identifier"},
	} {
		req := tc.req
		req.TokenURL, req.ClientID = srv.TokenURL(), "svc"
		_, err := c.Token(context.Background(), req)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want %q", tc.name, err, tc.want)
		}
	}
	// The profile is checked at validate too, on its attribute.
	r := TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", KeyService: &opaqueKey{key: p256}, AssertionProfile: ProfileRFC7523bis}
	r.SetDefaults(nil)
	var ae *ArgError
	if err := r.ValidateConfig(false); !errors.As(err, &ae) || ae.Arg != ArgAssertionProfile {
		t.Errorf("ValidateConfig: %v; want an error on %s", err, ArgAssertionProfile)
	}
}

// DPoP proofs sign through crypto.Signer too: a proof made with an opaque
// key verifies with the JWK it embeds.
func TestDPoPProofFromAnySigner(t *testing.T) {
	p256, _ := testpki.ECKey(t)
	ks := &opaqueKey{key: p256}
	s, _ := ks.Signer(context.Background())
	k, err := NewDPoPKeyFrom(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := k.Proof("POST", "https://as.example/token?x=1", "")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jose.ParseSignedCompact(proof, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	h := tok.Signatures[0].Header
	if h.JSONWebKey == nil || h.ExtraHeaders["typ"] != "dpop+jwt" {
		t.Fatalf("proof header %+v", h)
	}
	if _, err := tok.Verify(h.JSONWebKey); err != nil || ks.signs.Load() != 1 {
		t.Errorf("the proof does not verify with its embedded key (%v), or was not signed by the key (%d)", err, ks.signs.Load())
	}
}
