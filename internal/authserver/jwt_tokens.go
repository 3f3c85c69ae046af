package authserver

import (
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// jwtAccessToken is an RFC 9068 access token: iss, sub and client_id the
// client, aud the requested audience (or the issuer), the granted scopes as
// a list, and the lifetime the token response states.
func (s *Server) jwtAccessToken(clientID string, params url.Values) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(randomToken())},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		return "", err
	}
	now := s.opts.Now()
	aud := params.Get("audience")
	if aud == "" {
		aud = s.Issuer
	}
	claims := map[string]any{"client_id": clientID, "scp": strings.Fields(params.Get("scope"))}
	return jwt.Signed(signer).Claims(jwt.Claims{Issuer: s.Issuer, Subject: clientID, Audience: jwt.Audience{aud},
		ID: randomToken()[:16], IssuedAt: jwt.NewNumericDate(now),
		Expiry: jwt.NewNumericDate(now.Add(time.Duration(s.opts.ExpiresIn) * time.Second))}).Claims(claims).Serialize()
}
