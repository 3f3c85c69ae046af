package oauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrNotJWT is the answer for a token that is not a compact JWS; opaque
// tokens are common and fine, they just cannot be read.
var ErrNotJWT = errors.New("the token is not a JWT: a JWT has three base64url segments separated by dots")

// DecodeJWT reads a compact JWS's header and claims WITHOUT verifying its
// signature: what it returns is for reading, never for trusting. Numbers
// stay json.Number, so no precision is lost. Padded and unpadded base64url
// are both accepted. Error messages never quote the token.
func DecodeJWT(token string) (header, claims map[string]any, err error) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		if len(parts) == 5 {
			return nil, nil, errors.New("the token is an encrypted JWT (JWE, five segments): its claims cannot be read without the key")
		}
		return nil, nil, ErrNotJWT
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
		return nil, fmt.Errorf("%w (the %s is not base64url)", ErrNotJWT, name)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return nil, fmt.Errorf("%w (the %s is not a JSON object)", ErrNotJWT, name)
	}
	return m, nil
}
