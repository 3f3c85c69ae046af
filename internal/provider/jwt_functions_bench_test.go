package provider

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// The cost of jwt_claims against nesting depth and token size: linear in
// size, and a token nested past the limit refused before anything is built.
func BenchmarkJWTClaims(b *testing.B) {
	enc := base64.RawURLEncoding.EncodeToString
	flat := func(n int) string {
		claims := make([]string, n)
		for i := range claims {
			claims[i] = fmt.Sprintf(`"c%d":["v%d",%d]`, i, i, i)
		}
		return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte("{"+strings.Join(claims, ",")+"}")) + ".c2ln"
	}
	for _, tc := range []struct {
		name  string
		token string
	}{
		{"depth=1/size=1KB", flat(50)},
		{"depth=1/size=16KB", flat(800)},
		{"depth=1/size=256KB", flat(12800)},
		{"depth=8", deepToken(7)},
		{"depth=32", deepToken(31)},
		{"depth=1601/refused", deepToken(1600)},
		{"depth=9001/refused", deepToken(9000)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.token)))
			for b.Loop() {
				_, _ = jwtPart(tc.token, "claims")
			}
		})
	}
}
