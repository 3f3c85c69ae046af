package redact

import (
	"encoding/base64"
	"encoding/hex"
	"html"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

const secret = "q3+Zr8/Kp2&Wx9vT"

// echoEncodings are the ways a hostile server was seen to write a secret
// back, each of which a reader can undo.
var echoEncodings = []struct {
	name string
	enc  func(string) string
}{
	{"raw", func(s string) string { return s }},
	{"zero-width spaces between characters", interleave("\u200b")},
	{"word joiners between characters", interleave("\u2060")},
	{"soft hyphens between characters", interleave("\u00ad")},
	{"byte-order marks between characters", interleave("\ufeff")},
	{"fullwidth forms", fullwidth},
	{"upper-cased", strings.ToUpper},
	{"lower-cased", strings.ToLower},
	{"hex", hexOf},
	{"upper-case hex", func(s string) string { return strings.ToUpper(hexOf(s)) }},
	{"percent-encoded twice", func(s string) string { return url.QueryEscape(url.QueryEscape(s)) }},
	{"percent-encoded three times", func(s string) string { return url.QueryEscape(url.QueryEscape(url.QueryEscape(s))) }},
	{"percent-encoded beside a stray %", func(s string) string { return "100% wrong: " + url.QueryEscape(s) }},
	{"every byte percent-encoded", pctAll},
	{"split by a line break and spaces", func(s string) string { return s[:7] + "\n   " + s[7:] }},
	{"split by spaces", interleave(" ")},
	{"base64 wrapped at 76 columns", func(s string) string { return wrap(base64Of(strings.Repeat(s, 5))) }},
	{"base64 of the form-encoded request body", func(s string) string {
		return base64Of("grant_type=client_credentials&client_id=app&client_secret=" + url.QueryEscape(s))
	}},
	{"base64 of the body after a word", func(s string) string { return "got" + base64Of("client_secret="+url.QueryEscape(s)) }},
	{"URL-safe base64 without padding", rawURLBase64Of},
	{"upper-cased base64 of base64", func(s string) string { return strings.ToUpper(base64Of(base64Of(s))) }},
	{"hex of base64", func(s string) string { return hexOf(base64Of(s)) }},
	{"quoted-printable", func(s string) string { return strings.ReplaceAll(pctAll(s), "%", "=") }},
	{"JSON \\u escapes", func(s string) string {
		var b strings.Builder
		for _, r := range s {
			b.WriteString(`\u00` + hex.EncodeToString([]byte{byte(r)}))
		}
		return b.String()
	}},
	{"HTML numeric entities", func(s string) string {
		var b strings.Builder
		for _, r := range s {
			b.WriteString("&#" + strings.TrimLeft(hex.EncodeToString([]byte{0, byte(r)}), "0") + ";")
		}
		return strings.ReplaceAll(b.String(), "&#", "&#x")
	}},
}

// The encodings the tests disguise a secret with.
func hexOf(s string) string          { return hex.EncodeToString([]byte(s)) }
func base64Of(s string) string       { return base64.StdEncoding.EncodeToString([]byte(s)) }
func rawURLBase64Of(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func interleave(sep string) func(string) string {
	return func(s string) string { return strings.Join(strings.Split(s, ""), sep) }
}

func fullwidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f {
			return r - '!' + '！'
		}
		return r
	}, s)
}

func pctAll(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}

func wrap(s string) string {
	var lines []string
	for len(s) > 76 {
		lines, s = append(lines, s[:76]), s[76:]
	}
	return strings.Join(append(lines, s), "\r\n")
}

// visible is what a reader sees of text once they undo enc: the test's own
// oracle, independent of the sanitiser.
func survives(out, encoded string) bool {
	f := func(s string) string {
		return strings.ToLower(strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
				return -1
			}
			return r
		}, s))
	}
	return strings.Contains(f(out), f(encoded)) || strings.Contains(f(out), f(secret))
}

func TestSanitizeNormalisesBeforeItCompares(t *testing.T) {
	var r Registry
	r.add(secret)
	for _, e := range echoEncodings {
		for _, field := range []string{"error_description", "token_type"} {
			encoded := e.enc(secret)
			text := "invalid_client: " + field + " was '" + encoded + "'"
			out := r.sanitize(text, 1000)
			if survives(out, encoded) || strings.Contains(fold(out), fold(secret)) {
				t.Errorf("%s in %s: the secret survives: %q", e.name, field, out)
			}
			if views, _ := decodedViews(out); out != Withheld {
				for _, v := range views {
					if strings.Contains(fold(v), fold(secret)) {
						t.Errorf("%s: a reader recovers the secret from %q", e.name, out)
					}
				}
			}
		}
	}
}

func TestSanitizeLeavesInnocentTextAlone(t *testing.T) {
	var r Registry
	r.add(secret, "another-secret-value")
	for _, text := range []string{
		"invalid_client: client authentication failed",
		"The request is missing a required parameter: grant_type. Trace ID 6f1c0b3e-77aa-4a5e-9e0d-7c2b1f9e5a10",
		"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID",
		"100% of the quota used; retry in 3600 seconds",
		"GET http://metadata.example/computeMetadata/v1/instance/service-accounts/default/identity?audience=x: refused",
		"AADSTS700016: Application with identifier 'api://4a1b2c3d' was not found in the directory",
	} {
		if got := r.sanitize(text, 1000); got != text {
			t.Errorf("sanitize(%q) = %q", text, got)
		}
	}
}

func TestSanitizeRedactsKeysAndWithholdsWhatItCannotClean(t *testing.T) {
	_, pem := testpki.ECKey(t)
	var r Registry
	r.add(string(pem))
	lines := strings.Split(strings.TrimSpace(string(pem)), "\n")
	got := r.sanitize("key was "+string(pem)+" and line "+lines[1], 5000)
	for _, l := range lines[1 : len(lines)-1] {
		if strings.Contains(got, l) {
			t.Fatalf("a line of the private key survived: %q", got)
		}
	}
	// An encoding the literal redaction does not know (hex-escaped with a
	// mix of cases) is recovered by the check, and the text withheld.
	r.add("Mixed/Case+Secret")
	if got := r.sanitize("bad Mixed%2fCase%2BSecret here", 0); got != Withheld {
		t.Errorf("got %q; want the text withheld", got)
	}
	if got := r.sanitize(strings.Repeat("long ", 200), 50); len([]rune(got)) != 51 {
		t.Errorf("not capped at 50 runes: %d", len([]rune(got)))
	}
}

func TestSanitizeWithholdsWhatItCannotCheck(t *testing.T) {
	var r Registry
	r.add(secret)
	// Escapes of every kind, each nested in every other: more views than
	// the check affords.
	ops := []func(string) string{url.QueryEscape, html.EscapeString, hexOf, base64Of,
		func(s string) string { return strings.ReplaceAll(pctAll(s), "%", "=") }}
	var b strings.Builder
	for _, outer := range ops {
		for _, inner := range ops {
			b.WriteString(outer(inner("<a&b>%x")) + " ")
		}
	}
	if got := r.sanitize(b.String(), 100000); got != Withheld {
		t.Errorf("a text too complex to check was shown: %.80q", got)
	}
}

func TestSanitizeStripsControlAndFormatCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"a\x1b[31mred\x1b[0m":        "a[31mred[0m",
		"line\nbreak\ttab":           "line break tab",
		"bidi \u202eevil\u202c text": "bidi evil text",
		"zero\u200bwidth":            "zerowidth",
		"::add-mask::x":              ": :add-mask: :x",
		"##vso[task.setvariable]":    "# #vso[task.setvariable]",
		"ｆｕｌｌｗｉｄｔｈ":                  "fullwidth",
	} {
		if got := New().Sanitize(in, 0); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	r := New()
	r.Remember("hunter2-value")
	for _, tc := range []struct{ body, want string }{
		{"<html><head><title>502</title><style>b{}</style></head><body><h1>Bad   Gateway</h1></body></html>", "502 Bad Gateway"},
		{"token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2ln here", "token [redacted] here"},
		{"secret is hunter2-value", "secret is [redacted]"},
		{"split hunter2-\x01value", "split [redacted]"},
		{strings.Repeat("é", 300), strings.Repeat("é", 200) + "…"},
	} {
		if got := r.Excerpt([]byte(tc.body)); got != tc.want {
			t.Errorf("Excerpt(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

func TestBasicCredentialsAreRemembered(t *testing.T) {
	r := New()
	r.RememberBasic("basic-client", "basic/secret+value")
	enc := base64.StdEncoding.EncodeToString([]byte("basic-client:" + url.QueryEscape("basic/secret+value")))
	if got := r.Sanitize("rejected Authorization: Basic "+enc, 0); strings.Contains(got, enc) {
		t.Errorf("the Basic value survived: %q", got)
	}
}

// A registry belongs to one provider instance: what one knows, another
// does not redact, and nothing is shared through the process.
func TestRegistriesAreIndependent(t *testing.T) {
	a, b := New(), New()
	a.Remember("instance-a-secret-value")
	if got := a.Sanitize("echo instance-a-secret-value", 0); strings.Contains(got, "instance-a-secret-value") {
		t.Errorf("the registry that knows the secret shows it: %q", got)
	}
	if got := b.Sanitize("echo instance-a-secret-value", 0); !strings.Contains(got, "instance-a-secret-value") {
		t.Errorf("another instance's registry redacted a value it was never told: %q", got)
	}
}
