package redact

import (
	"encoding/base64"
	"strings"
	"testing"
)

// jwtParts builds a JWS of realistic size: a header, a payload with claims
// and a 256-byte signature, each base64url without padding.
func jwtParts() (header, payload, sig string) {
	enc := base64.RawURLEncoding.EncodeToString
	header = enc([]byte(`{"alg":"RS256","kid":"k1","typ":"JWT"}`))
	payload = enc([]byte(`{"iss":"https://idp.example","sub":"client-1","aud":"api","exp":1893456000,"jti":"9f2c1e"}`))
	s := make([]byte, 256)
	for i := range s {
		s[i] = byte(i*37 + 11)
	}
	return header, payload, enc(s)
}

// A JWT a server echoes with its dots turned into spaces (or line breaks),
// or its signature alone, is still the credential, or the part of it that
// makes it usable: neither reaches the result, whether the registry knows
// the token (one this instance was issued) or not (anyone's token).
func TestSanitizeCatchesAMangledJWT(t *testing.T) {
	h, p, s := jwtParts()
	token := h + "." + p + "." + s
	known := New()
	known.Remember(token)
	for _, tc := range []struct {
		name, text string
		registries map[string]*Registry
	}{
		{"dots turned into spaces", "invalid token " + h + " " + p + " " + s + " rejected",
			map[string]*Registry{"a registry that knows it": known, "an empty registry": New()}},
		{"dots turned into line breaks", "invalid token " + h + "\n" + p + "\n" + s,
			map[string]*Registry{"a registry that knows it": known, "an empty registry": New()}},
		{"dots percent-encoded", "invalid token " + h + "%2E" + p + "%2E" + s,
			map[string]*Registry{"a registry that knows it": known, "an empty registry": New()}},
		{"the signature alone", "bad signature " + s + " for kid k1",
			map[string]*Registry{"a registry that knows it": known}},
		{"the payload and signature", "claims " + p + " signed " + s,
			map[string]*Registry{"a registry that knows it": known}},
	} {
		for rname, r := range tc.registries {
			got := r.Sanitize(tc.text, 2000)
			if strings.Contains(got, s) || strings.Contains(fold(got), fold(s)) {
				t.Errorf("%s, %s: the signature survives: %q", tc.name, rname, got)
			}
			if strings.Contains(got, p) {
				t.Errorf("%s, %s: the payload survives: %q", tc.name, rname, got)
			}
		}
	}
	// The header alone is the same in every token of an issuer and says
	// nothing secret: it is left alone, as are the words around a redaction.
	if got := known.Sanitize("header "+h+" is fine", 0); !strings.Contains(got, h) {
		t.Errorf("a JWT header alone was redacted: %q", got)
	}
	if got := known.Sanitize("invalid token "+h+" "+p+" "+s+" rejected", 2000); !strings.HasPrefix(got, "invalid token ") || !strings.HasSuffix(got, " rejected") {
		t.Errorf("the words around the token were lost: %q", got)
	}
}
