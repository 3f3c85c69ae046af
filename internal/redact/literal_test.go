package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"
)

const literalToken = "at-9f8e7d6c5b4a3210+/=zz"

// Each literal form of a known credential, and of an extra value, is
// found and replaced; every other byte stays as it was.
func TestLiteralFindsEveryLiteralForm(t *testing.T) {
	r := New()
	r.Remember(literalToken)
	jsonForm, _ := json.Marshal("Bearer " + literalToken)
	header := "Authorization: Bearer " + literalToken + "\r\n"
	forms := map[string]string{
		"raw":                 literalToken,
		"form-escaped":        url.QueryEscape(literalToken),
		"path-escaped":        url.PathEscape(literalToken),
		"HTML-escaped":        html.EscapeString(literalToken),
		"JSON":                string(jsonForm),
		"base64":              base64.StdEncoding.EncodeToString([]byte(literalToken)),
		"header in base64":    base64.StdEncoding.EncodeToString([]byte(header)),
		"header+1 in base64":  base64.StdEncoding.EncodeToString([]byte("x" + header)),
		"header+2 in base64":  base64.RawURLEncoding.EncodeToString([]byte("xy" + header)),
		"proof (extra value)": "eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiIxIn0.c2lnbmF0dXJl",
	}
	l := r.Literal("eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiIxIn0.c2lnbmF0dXJl")
	for name, form := range forms {
		text := []byte("before <" + form + "> after")
		if !l.Contains(text) {
			t.Errorf("%s: not found", name)
			continue
		}
		out := l.Redact(bytes.Clone(text))
		if l.Contains(out) || !bytes.HasPrefix(out, []byte("before <")) || !bytes.HasSuffix(out, []byte("> after")) ||
			!bytes.Contains(out, []byte(Redacted)) {
			t.Errorf("%s: redacted to %q", name, out)
		}
		masked := bytes.Clone(text)
		l.mask(masked)
		if l.Contains(masked) || len(masked) != len(text) {
			t.Errorf("%s: masked to %q", name, masked)
		}
	}
	clean := []byte(`{"items":[1,2,3],"next":"/objects?page=2","note":"at-9f8e7d6c"}`)
	if l.Contains(clean) || !bytes.Equal(l.Redact(clean), clean) {
		t.Errorf("a text without a credential was changed: %q", l.Redact(clean))
	}
	if (&Registry{}).Literal("short").Empty() != true || (*Registry)(nil).Literal().Empty() != true {
		t.Error("values shorter than MinLiteralLen, or none, should leave nothing to look for")
	}
}

// MaskReader gives what mask gives on the whole text, whatever the pieces
// the text arrives in, a form split across them included; the length is
// unchanged.
func TestMaskReaderAcrossPieces(t *testing.T) {
	r := New()
	r.Remember(literalToken)
	l := r.Literal()
	text := []byte(strings.Repeat("filler ", 5000) + literalToken + strings.Repeat("x", 40000) + "Bearer " + literalToken)
	want := bytes.Clone(text)
	l.mask(want)
	if bytes.Contains(want, []byte(literalToken)) {
		t.Fatal("mask left the token")
	}
	for name, src := range map[string]io.Reader{
		"whole":       bytes.NewReader(text),
		"byte a time": iotest.OneByteReader(bytes.NewReader(text)),
		"half pieces": iotest.HalfReader(bytes.NewReader(text)),
		"data+EOF":    iotest.DataErrReader(bytes.NewReader(text)),
	} {
		got, err := io.ReadAll(l.MaskReader(src))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, err %v; want the masked text (%d bytes)", name, len(got), err, len(want))
		}
	}
}

// A piece that cannot begin a form is passed on at once, without waiting
// for more (a server-sent event must not sit in the proxy); a piece that
// ends in the start of a form waits for the rest.
func TestMaskReaderHoldsBackOnlyWhatMayBeAForm(t *testing.T) {
	r := New()
	r.Remember(literalToken)
	pr, pw := io.Pipe()
	m := r.Literal().MaskReader(pr)
	go func() { _, _ = pw.Write([]byte("data: 1\n\n")) }()
	buf := make([]byte, 100)
	if n, err := m.Read(buf); err != nil || string(buf[:n]) != "data: 1\n\n" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	go func() {
		_, _ = pw.Write([]byte("data: " + literalToken[:5]))
		_, _ = pw.Write([]byte(literalToken[5:] + "\n\n"))
		_ = pw.Close()
	}()
	got, _ := io.ReadAll(m)
	if want := "data: [redacted]" + strings.Repeat("*", len(literalToken)-len(Redacted)) + "\n\n"; string(got) != want {
		t.Errorf("read %q", got)
	}
}

// The registry keeps its literal forms sorted and unique as they are added:
// a snapshot is longest first with no repeat, merges the extras in, and is
// not changed by a credential added after it was taken.
func TestLiteralFormsSortedUniqueAndSnapshotStable(t *testing.T) {
	r := New()
	r.Remember("first-secret-value", "second-secret-val")
	r.Remember("first-secret-value") // a repeat adds nothing
	l := r.Literal("extra-secret-value", "second-secret-val")
	before := len(l.forms)
	for i := 1; i < len(l.forms); i++ {
		if compareForms(l.forms[i-1], l.forms[i]) >= 0 {
			t.Fatalf("forms %d and %d out of order or repeated: %q, %q", i-1, i, l.forms[i-1], l.forms[i])
		}
	}
	if !l.Contains([]byte("x extra-secret-value")) || !l.Contains([]byte("first-secret-value")) {
		t.Error("a registered or extra value is not looked for")
	}
	r.Remember("a-later-secret-value", "another-later-one")
	if len(l.forms) != before || l.Contains([]byte("a-later-secret-value")) {
		t.Error("a snapshot changed when a credential was added after it")
	}
	for i := 1; i < len(l.forms); i++ {
		if compareForms(l.forms[i-1], l.forms[i]) >= 0 {
			t.Fatalf("the snapshot was reordered by a later add")
		}
	}
}
