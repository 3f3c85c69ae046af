// Package redact is the one sanitiser between text a server sends and what a
// user sees: diagnostics, warnings, log lines and the server-given fields
// kept in state. A Registry belongs to one provider instance and holds the
// credentials it knows: every secret the instance reads, sends or receives
// is handed to Remember (by the type that reads it) before any text from
// that exchange can be shown.
//
// What Sanitize guarantees, for every credential registered before the call
// and at least MinSecretLen characters long:
//   - the credential does not appear in the result raw, form-, path-, JSON-
//     or HTML-escaped, in base64 (standard or URL alphabet), inside a Basic
//     header, or, for a PEM key, as any line of its body: those forms are
//     replaced by [redacted];
//   - nor can a reader recover it from the result by undoing what a server
//     might have done to it: invisible and format characters inserted,
//     compatibility forms (fullwidth letters) used, case changed, whitespace
//     or line breaks inserted, hex, percent-encoding repeated or mixed with a
//     stray '%', quoted-printable, base64 wrapped across lines, and chains of
//     these up to maxDepth steps (the base64 of a form-encoded body, say).
//     When a recovered view holds a credential, or the views are too many to
//     check, the whole text is withheld and the result says so;
//   - anything shaped like a JWT is redacted, whoever issued it, also with
//     its dots percent-encoded or turned into whitespace; and of a JWT
//     registered as a credential, the payload and the signature are each
//     redacted on their own (the header, shared by all of an issuer's
//     tokens, is not);
//   - control characters are gone, workflow-command markers (::cmd, ##vso[)
//     are broken up, and the result is at most maxLen runes.
//
// What it does not do: it cannot know a credential it was never told
// (register it first); values shorter than MinSecretLen are left alone,
// since they cannot be told from words; a credential split across two
// separate texts, or encrypted, or put through a transformation that is not
// listed above (a cipher, a hash, a reversed string) is not recognised; and
// base64 whose letters were all put in one case is recognised when it
// encodes a credential or its form-encoding, or runs 24 characters or more
// in the text as it stands, but not a shorter one that encodes something encoded again; and text beyond
// maxLen is cut before the recovery check, so a long text shows at most a
// prefix of a credential whose rest was cut.
package redact

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MinSecretLen is the shortest value that is redacted: shorter ones cannot
// be told from ordinary words, and no real credential is that short.
const MinSecretLen = 4

// DefaultLen caps one server string in a message.
const DefaultLen = 300

const (
	// Redacted stands where a credential was.
	Redacted = "[redacted]"
	// Withheld replaces a whole text that may still hold a credential.
	Withheld = "[withheld: the server's text may repeat a credential in a form that could not be redacted]"
)

// New returns an empty registry: one per provider instance.
func New() *Registry { return &Registry{} }

// Remember adds credentials to the registry Sanitize redacts. Call it when a
// secret is read and when a token arrives, before any text from that
// exchange can be shown. Blank and short values are ignored.
func (r *Registry) Remember(values ...string) { r.add(values...) }

// RememberBasic adds the Basic credentials of a client: the base64 of
// client_id:secret, both as RFC 6749 §2.3.1 encodes them and raw, as some
// servers and gateways do.
func (r *Registry) RememberBasic(id, secret string) {
	if len(secret) < MinSecretLen {
		return
	}
	for _, pair := range []string{url.QueryEscape(id) + ":" + url.QueryEscape(secret), id + ":" + secret} {
		r.Remember(base64.StdEncoding.EncodeToString([]byte(pair)), base64.RawURLEncoding.EncodeToString([]byte(pair)))
	}
}

// Sanitize makes a server's string safe to show (see the package comment),
// cut to maxLen runes, or DefaultLen when maxLen <= 0. A nil registry knows
// no credential but still strips, caps and redacts anything JWT-shaped.
func (r *Registry) Sanitize(s string, maxLen int) string {
	if r == nil {
		r = &Registry{}
	}
	return r.sanitize(s, maxLen)
}

// Registry is the credentials one provider instance knows; safe for
// concurrent use. The zero value is empty and ready.
type Registry struct {
	mu      sync.RWMutex
	raw     map[string]bool
	folded  []string // each value folded, and its base64 in any case: for the recovery check
	forms   []string // every literal form, longest first
	literal [][]byte // the forms Literal looks for, of values at least MinLiteralLen long: sorted as sortForms does, replaced (never changed in place) when one is added
}

func (r *Registry) add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	var literal [][]byte
	for _, v := range values {
		v = strings.TrimSpace(v)
		if len(v) < MinSecretLen || r.raw[v] {
			continue
		}
		if r.raw == nil {
			r.raw = map[string]bool{}
		}
		literal = r.remember(v, literal)
		// A JWT's payload and signature are secret on their own too: a
		// server may echo the token with its dots turned into spaces or
		// line breaks, or quote only the signature it rejected. (The
		// header is shared by every token of an issuer and says nothing.)
		for _, part := range jwtSegments(v) {
			if !r.raw[part] {
				literal = r.remember(part, literal)
			}
		}
		// A PEM key's body lines are secret on their own too.
		if strings.Contains(v, "-----BEGIN") {
			for line := range strings.SplitSeq(v, "\n") {
				if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") && !r.raw[line] {
					literal = r.remember(line, literal)
				}
			}
		}
		changed = true
	}
	if changed {
		slices.SortFunc(r.forms, func(a, b string) int {
			if len(a) != len(b) {
				return len(b) - len(a)
			}
			return strings.Compare(a, b) // so that Compact meets every repeat
		})
		r.forms = slices.Compact(r.forms)
	}
	if len(literal) > 0 {
		r.literal = mergeForms(r.literal, sortForms(literal))
	}
}

// remember registers v, and returns literal with the forms Literal is to
// look for added (add merges them into the registry's sorted list once).
func (r *Registry) remember(v string, literal [][]byte) [][]byte {
	r.raw[v] = true
	enc := encodedForms(v)
	r.forms = append(r.forms, enc...)
	if len(v) >= MinLiteralLen {
		for _, f := range literalOf(v, enc) {
			literal = append(literal, []byte(f))
		}
	}
	if f := fold(v); len(f) >= MinSecretLen {
		r.folded = append(r.folded, f)
	}
	for _, w := range []string{v, strings.ToUpper(v), strings.ToLower(v)} {
		r.folded = append(r.folded, caselessBase64(w)...)
		r.folded = append(r.folded, caselessBase64(url.QueryEscape(w))...)
	}
	return literal
}

// jwtShape is a compact JWS or JWE: whatever it is, it is a credential.
// Its segments may be joined by dots, by percent-encoded dots, or (as a
// server that reflowed the text left them) by whitespace; in the last form
// the payload must look like JSON too (eyJ), and a signature is a long run.
var jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}(?:` +
	`(?:\.|%2[Ee])[A-Za-z0-9_-]{4,}(?:\.|%2[Ee])[A-Za-z0-9_-]*(?:(?:\.|%2[Ee])[A-Za-z0-9_-]*)*` +
	`|\s+eyJ[A-Za-z0-9_-]{4,}(?:\s+[A-Za-z0-9_-]{20,})?)`)

// minJWTSegment is the shortest JWT segment remembered on its own.
const minJWTSegment = 16

// jwtSegments are the segments after the header of a value shaped like a
// compact JWS (3 segments) or JWE (5), each at least minJWTSegment long;
// nil for anything else.
func jwtSegments(v string) []string {
	parts := strings.Split(v, ".")
	if (len(parts) != 3 && len(parts) != 5) || !strings.HasPrefix(parts[0], "eyJ") {
		return nil
	}
	var out []string
	for _, p := range parts[1:] {
		if strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
			return nil
		}
		if len(p) >= minJWTSegment {
			out = append(out, p)
		}
	}
	return out
}

var workflowCommand = regexp.MustCompile(`::([A-Za-z-])`)

func (r *Registry) sanitize(s string, maxLen int) string {
	if maxLen <= 0 {
		maxLen = DefaultLen
	}
	s = clean(s)
	s = r.redact(s)
	s = jwtShape.ReplaceAllString(s, Redacted)
	// "::name::" starts a GitHub Actions or Azure Pipelines command
	// wherever a line begins, and a wrapped diagnostic begins lines.
	s = workflowCommand.ReplaceAllString(s, ": :$1")
	s = strings.ReplaceAll(s, "##vso[", "# #vso[")
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxLen {
		s = string([]rune(s)[:maxLen]) + "…"
	}
	if r.recoverable(s) {
		return Withheld
	}
	return s
}

// clean makes text printable on one line: valid UTF-8, compatibility forms
// folded (NFKC: fullwidth letters become ASCII), line breaks and tabs made
// spaces, every other control character and every format character
// (zero-width spaces, soft hyphens, bidirectional overrides) removed.
func clean(s string) string {
	s = norm.NFKC.String(strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
}

func (r *Registry) redact(text string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, f := range r.forms {
		if strings.Contains(text, f) {
			text = strings.ReplaceAll(text, f, Redacted)
		}
	}
	return text
}

// Reveals reports whether s holds what Sanitize would redact or withhold: a
// credential this registry knows, in any form Sanitize recognises, or
// anything shaped like a JWT. Unlike comparing Sanitize's result with s, it
// ignores what Sanitize changes for display alone (control characters,
// workflow-command markers, length), so that a value which must be kept
// exactly, a URL, can be judged by it.
func (r *Registry) Reveals(s string) bool {
	if r == nil {
		r = &Registry{}
	}
	c := clean(s)
	return r.redact(c) != c || jwtShape.MatchString(c) || r.recoverable(c)
}
