package redact

import (
	"bytes"
	"encoding/base64"
	"io"
	"slices"
	"strings"
)

// MinLiteralLen is the shortest value whose forms a Literal looks for:
// text passed on otherwise unchanged (an API's answer, a download) is
// rewritten only where a credential surely stands, never where a few bytes
// happen to match.
const MinLiteralLen = 8

// Literal finds and removes credentials in text that must otherwise reach
// its reader byte for byte (the answers an authenticating proxy passes
// on), where Sanitize, which reshapes a text and withholds what it cannot
// rule out, does not fit. It looks for the literal forms of every
// credential the registry knew when it was made, and of the extra values
// given to it: raw, form-, path-, JSON- and HTML-escaped, and in base64
// (either alphabet) on its own or inside the base64 of a longer text at
// any alignment (an echoed "Authorization: Bearer ..." header encoded
// whole). It does not undo other transformations (case changed, split,
// compressed, encoded twice): that is Sanitize's recovery check, for text
// that is shown rather than passed on.
type Literal struct {
	forms  [][]byte // longest first
	maxLen int
}

// Literal snapshots the literal forms of the registry's credentials and of
// extra (a credential the caller holds for one exchange only, such as the
// DPoP proof of one request). A nil registry contributes none. The
// registry's forms are kept sorted and unique as they are added, so a
// snapshot shares them and only merges in the forms of extra.
func (r *Registry) Literal(extra ...string) *Literal {
	var forms [][]byte
	if r != nil {
		r.mu.RLock()
		forms = r.literal // never changed in place: add replaces it
		r.mu.RUnlock()
	}
	var more [][]byte
	for _, v := range extra {
		for _, f := range literalForms(strings.TrimSpace(v)) {
			more = append(more, []byte(f))
		}
	}
	if len(more) > 0 {
		forms = mergeForms(forms, sortForms(more))
	}
	l := &Literal{forms: forms}
	for _, f := range forms {
		l.maxLen = max(l.maxLen, len(f))
	}
	return l
}

// sortForms sorts forms longest first (so that a form inside a longer one
// is not replaced before the longer one is), then bytewise, and drops the
// repeated ones, in place.
func sortForms(forms [][]byte) [][]byte {
	slices.SortFunc(forms, compareForms)
	return slices.CompactFunc(forms, bytes.Equal)
}

func compareForms(a, b []byte) int {
	if len(a) != len(b) {
		return len(b) - len(a)
	}
	return bytes.Compare(a, b)
}

// mergeForms merges two sorted, unique lists of forms into a new one,
// sorted and unique.
func mergeForms(a, b [][]byte) [][]byte {
	out := make([][]byte, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		switch c := compareForms(a[0], b[0]); {
		case c < 0:
			out, a = append(out, a[0]), a[1:]
		case c > 0:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, a[0]), a[1:], b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// Empty reports that there is nothing to look for.
func (l *Literal) Empty() bool { return len(l.forms) == 0 }

// Contains reports whether b holds any form.
func (l *Literal) Contains(b []byte) bool {
	for _, f := range l.forms {
		if bytes.Contains(b, f) {
			return true
		}
	}
	return false
}

// Redact returns b with each form replaced by [redacted] and every other
// byte as it was; b itself when it holds none.
func (l *Literal) Redact(b []byte) []byte {
	for _, f := range l.forms {
		if bytes.Contains(b, f) {
			b = bytes.ReplaceAll(b, f, []byte(Redacted))
		}
	}
	return b
}

// RedactString is Redact for a string.
func (l *Literal) RedactString(s string) string {
	return string(l.Redact([]byte(s)))
}

// mask overwrites each form in b, in place, with a mask of the same
// length ("[redacted]" padded with '*', or '*' alone when shorter), so
// that a length announced before the text was seen stays true.
func (l *Literal) mask(b []byte) {
	for _, f := range l.forms {
		for i := 0; ; {
			j := bytes.Index(b[i:], f)
			if j < 0 {
				break
			}
			m := b[i+j : i+j+len(f)]
			for k := range m {
				m[k] = '*'
			}
			if len(m) >= len(Redacted) {
				copy(m, Redacted)
			}
			i += j + len(f)
		}
	}
}

// pending is where the text in b may begin a form that continues past
// b's end: the first position from which the rest of b is a proper
// prefix of some form; len(b) when there is none.
func (l *Literal) pending(b []byte) int {
	first := len(b)
	for _, f := range l.forms {
		for i := max(0, len(b)-len(f)+1); i < first; i++ {
			j := bytes.IndexByte(b[i:first], f[0])
			if j < 0 {
				break
			}
			if i += j; bytes.HasPrefix(f, b[i:]) {
				first = i
				break
			}
		}
	}
	return first
}

// MaskReader streams src with each form masked at the same length (see
// mask). It holds back only bytes that may begin a form continuing in text
// not yet read, so a stream whose pieces end in anything else (an event's
// blank line) is passed on as each piece arrives.
func (l *Literal) MaskReader(src io.Reader) io.Reader {
	if l.Empty() {
		return src
	}
	return &maskReader{l: l, src: src, buf: make([]byte, 0, 32<<10+l.maxLen)}
}

type maskReader struct {
	l     *Literal
	src   io.Reader
	buf   []byte // buf[:ready] is masked and may go; the rest waits for more
	ready int
	err   error
}

func (m *maskReader) Read(p []byte) (int, error) {
	for m.ready == 0 {
		if m.err != nil {
			if len(m.buf) == 0 {
				return 0, m.err
			}
			m.ready = len(m.buf) // the end: what waited cannot continue
			break
		}
		n, err := m.src.Read(m.buf[len(m.buf):cap(m.buf)])
		m.buf, m.err = m.buf[:len(m.buf)+n], err
		if n > 0 {
			m.l.mask(m.buf)
			m.ready = m.l.pending(m.buf)
		}
	}
	n := copy(p, m.buf[:m.ready])
	m.ready -= n
	m.buf = m.buf[:copy(m.buf, m.buf[n:])]
	return n, nil
}

// literalForms are what Literal looks for, for one value: its encodedForms
// and innerBase64, none for a value shorter than MinLiteralLen.
func literalForms(v string) []string {
	if len(v) < MinLiteralLen {
		return nil
	}
	return literalOf(v, encodedForms(v))
}

// literalOf is literalForms for a value whose encodedForms are known.
func literalOf(v string, encoded []string) []string {
	return append(slices.Clip(encoded), innerBase64(v)...)
}

// innerBase64 are the parts of v's base64 that do not depend on what
// surrounds v, at each of the three byte alignments it can have in a longer
// encoded text, in both alphabets, case kept (caselessBase64 is the same,
// folded, for the recovery check).
func innerBase64(v string) []string {
	var out []string
	for a := range 3 {
		e := base64.RawStdEncoding.EncodeToString(append(make([]byte, a), v...))
		start, end := (8*a+5)/6, 8*(a+len(v))/6
		if end-start < MinLiteralLen {
			continue
		}
		inner := e[start:end]
		out = append(out, inner, strings.NewReplacer("+", "-", "/", "_").Replace(inner))
	}
	return out
}
