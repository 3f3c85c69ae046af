package authserver

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DPoP (RFC 9449) as an authorization server and a resource server serve
// it: a proof is verified (signature by the key in its header, typ, htm,
// htu, iat, a jti never seen, the token's ath at the API, the server's
// nonce), the token is bound to the key's thumbprint, and the API takes a
// bound token only with a proof by the same key.

// DPoP configures DPoP.
type DPoP struct {
	// RequireNonce answers a proof without the server's nonce with
	// use_dpop_nonce and a DPoP-Nonce header, at both endpoints.
	RequireNonce bool
}

type dpopState struct {
	nonce  string
	jkts   map[string]string // access token -> key thumbprint
	proofs int               // proofs verified
}

// DPoPProofs counts the proofs the server verified and accepted.
func (s *Server) DPoPProofs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dpop.proofs
}

var errNonce = errors.New("use_dpop_nonce")

// verifyProof checks one proof for a request of method to htu carrying
// token ("" at the token endpoint) and returns the key's thumbprint.
func (s *Server) verifyProof(proof, method, htu, token string) (string, error) {
	if proof == "" {
		return "", errors.New("no DPoP proof")
	}
	jws, err := jose.ParseSignedCompact(proof, []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.RS256, jose.PS256, jose.EdDSA})
	if err != nil || len(jws.Signatures) != 1 {
		return "", fmt.Errorf("unparseable DPoP proof: %v", err)
	}
	h := jws.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders["typ"].(string); typ != "dpop+jwt" {
		return "", fmt.Errorf("the proof's typ is %q, not dpop+jwt", typ)
	}
	if h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() {
		return "", errors.New("the proof carries no public jwk")
	}
	payload, err := jws.Verify(h.JSONWebKey)
	if err != nil {
		return "", fmt.Errorf("bad DPoP proof signature: %v", err)
	}
	var c struct {
		JTI   string `json:"jti"`
		HTM   string `json:"htm"`
		HTU   string `json:"htu"`
		IAT   int64  `json:"iat"`
		ATH   string `json:"ath"`
		Nonce string `json:"nonce"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(token))
	switch {
	case c.HTM != method || c.HTU != htu:
		return "", fmt.Errorf("the proof is for %s %s, not %s %s", c.HTM, c.HTU, method, htu)
	case time.Since(time.Unix(c.IAT, 0)).Abs() > time.Minute:
		return "", errors.New("the proof's iat is not recent")
	case token != "" && c.ATH != base64.RawURLEncoding.EncodeToString(sum[:]):
		return "", errors.New("the proof's ath does not match the token")
	case s.opts.DPoP.RequireNonce && c.Nonce != s.dpop.nonce:
		return "", errNonce
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.JTI == "" || s.jtis["dpop:"+c.JTI] {
		return "", errors.New("the proof's jti is missing or replayed")
	}
	s.jtis["dpop:"+c.JTI] = true
	s.dpop.proofs++
	tp, err := h.JSONWebKey.Thumbprint(crypto.SHA256)
	return base64.RawURLEncoding.EncodeToString(tp), err
}

// dpopRefusal answers a refused proof: a nonce challenge, or the error.
func (s *Server) dpopRefusal(w http.ResponseWriter, status int, err error, api bool) {
	w.Header().Set("DPoP-Nonce", s.dpop.nonce)
	code := "invalid_dpop_proof"
	if errors.Is(err, errNonce) {
		code = "use_dpop_nonce"
	}
	if api {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`DPoP error=%q`, code))
	}
	oauthError(w, status, code, err.Error())
}

func newNonce() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
