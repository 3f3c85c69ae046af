// Package jwtdecode reads a compact JWS's header and claims without
// verifying its signature, for the provider's jwt_claims and jwt_header
// functions and the identity-token resource's subject and issuer. What it
// returns is for reading, never for trusting. The token comes from a server,
// so decoding costs time linear in its size: nesting deeper than MaxDepth is
// refused before anything is built, and no error quotes the token.
package jwtdecode

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MaxDepth is the deepest nesting of arrays and objects read in a header or
// payload. Real tokens nest three or four levels; a value thousands deep is
// an attack on whatever turns it into a Terraform value.
const MaxDepth = 32

const notJWT = "the token is not a JWT: a JWT has three base64url segments separated by dots"

// Decode returns a compact JWS's header and claims. Numbers stay
// json.Number, so no precision is lost; padded and unpadded base64url are
// both accepted.
func Decode(token string) (header, claims map[string]any, err error) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		if len(parts) == 5 {
			return nil, nil, errors.New("the token is an encrypted JWT (JWE, five segments): its claims cannot be read without the key")
		}
		return nil, nil, errors.New(notJWT)
	}
	if header, err = decodeSegment(parts[0], "header"); err != nil {
		return nil, nil, err
	}
	if claims, err = decodeSegment(parts[1], "payload"); err != nil {
		return nil, nil, err
	}
	return header, claims, nil
}

func decodeSegment(seg, name string) (map[string]any, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return nil, fmt.Errorf("%s (the %s is not base64url)", notJWT, name)
	}
	if d := depth(raw); d > MaxDepth {
		return nil, fmt.Errorf("the token's %s nests arrays or objects %d levels deep; at most %d are read", name, d, MaxDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return nil, fmt.Errorf("%s (the %s is not a JSON object)", notJWT, name)
	}
	return m, nil
}

// depth is the deepest nesting of [ and { in JSON text, strings skipped, in
// one pass; malformed text is left for the decoder to refuse.
func depth(raw []byte) int {
	d, deepest, inString, escaped := 0, 0, false, false
	for _, c := range raw {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			d++
			deepest = max(deepest, d)
		case c == ']' || c == '}':
			d--
		}
	}
	return deepest
}
