package jwtdecode

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func seg(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestDecode(t *testing.T) {
	header := `{"alg":"RS256","typ":"at+jwt","kid":"k1"}`
	payload := `{"sub":"svc","aud":["api://a","api://b"],"exp":1795000000,"nbf":1.5,"big":12345678901234567890,` +
		`"name":"Zoë 東京 🚀","ext":{"roles":["admin"],"tenant":{"id":"t-1"}},"null":null,"ok":true}`
	for _, tc := range []struct{ name, token string }{
		{"unpadded", seg(header) + "." + seg(payload) + ".c2ln"},
		{"padded", base64.URLEncoding.EncodeToString([]byte(header)) + "." + base64.URLEncoding.EncodeToString([]byte(payload)) + ".c2ln"},
		{"surrounding space", "\n " + seg(header) + "." + seg(payload) + ".c2ln \n"},
		{"no signature", seg(header) + "." + seg(payload) + "."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, c, err := Decode(tc.token)
			if err != nil {
				t.Fatal(err)
			}
			if h["typ"] != "at+jwt" || h["kid"] != "k1" {
				t.Errorf("header %v", h)
			}
			if c["exp"] != json.Number("1795000000") || c["big"] != json.Number("12345678901234567890") || c["nbf"] != json.Number("1.5") {
				t.Errorf("numbers changed: %v %v %v", c["exp"], c["big"], c["nbf"])
			}
			if c["name"] != "Zoë 東京 🚀" || c["ok"] != true || c["null"] != nil {
				t.Errorf("claims %v", c)
			}
			want := map[string]any{"roles": []any{"admin"}, "tenant": map[string]any{"id": "t-1"}}
			if !reflect.DeepEqual(c["ext"], want) || !reflect.DeepEqual(c["aud"], []any{"api://a", "api://b"}) {
				t.Errorf("nested claims %v %v", c["ext"], c["aud"])
			}
		})
	}
}

func TestDecodeRefusesWhatIsNotAJWT(t *testing.T) {
	const secretish = "opaque-token-Zq7xY2wV9uT4sR1p"
	for _, tc := range []struct{ name, token, want string }{
		{"opaque token", secretish, "three base64url segments"},
		{"empty", "", "three base64url segments"},
		{"two segments", seg(`{}`) + "." + seg(`{}`), "three base64url segments"},
		{"JWE", "a.b.c.d.e", "encrypted JWT (JWE"},
		{"header not base64url", "!!!." + seg(`{}`) + ".x", "the header is not base64url"},
		{"payload not JSON", seg(`{}`) + "." + seg(secretish) + ".x", "the payload is not a JSON object"},
		{"payload an array", seg(`{}`) + "." + seg(`[1]`) + ".x", "the payload is not a JSON object"},
		{"payload with trailing data", seg(`{}`) + "." + seg(`{}{}`) + ".x", "the payload is not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Decode(tc.token)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secretish) || (tc.token != "" && strings.Contains(err.Error(), tc.token)) {
				t.Errorf("the error quotes the token: %v", err)
			}
		})
	}
}

func nested(n int) string {
	return seg(`{"alg":"none"}`) + "." + seg(`{"a":`+strings.Repeat("[", n)+strings.Repeat("]", n)+`}`) + "."
}

// Nesting is measured outside strings, up to MaxDepth read, deeper refused
// before decoding: refusing a token ten times deeper costs no more
// allocations.
func TestDecodeRefusesDeepNestingAtOnce(t *testing.T) {
	if _, c, err := Decode(nested(MaxDepth - 1)); err != nil || c["a"] == nil {
		t.Fatalf("a token %d deep is refused: %v", MaxDepth, err)
	}
	if _, _, err := Decode(seg(`{}`) + "." + seg(`{"s":"`+strings.Repeat("[{", 100)+`\""}`) + "."); err != nil {
		t.Fatalf("brackets inside a string count as nesting: %v", err)
	}
	_, _, err := Decode(nested(MaxDepth))
	if err == nil || !strings.Contains(err.Error(), "nests arrays or objects 33 levels deep; at most 32 are read") {
		t.Fatalf("got %v", err)
	}
	shallow := testing.AllocsPerRun(5, func() { _, _, _ = Decode(nested(1600)) })
	deep := testing.AllocsPerRun(5, func() { _, _, _ = Decode(nested(16000)) })
	if deep > shallow+2 {
		t.Errorf("refusing 16,000 levels takes %.0f allocations, 1,600 levels %.0f: the refusal decodes first", deep, shallow)
	}
}
