package oauth

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Every string that comes from a server (or a discovery document) and can
// reach a diagnostic, a warning or a log line goes through Sanitize. A
// hostile or careless server may echo what it was sent: the client secret,
// form-encoded in a body, JSON- or HTML-escaped, inside a Basic header, or a
// token issued a moment ago. Sanitize removes each secret this process has
// seen in every such form, strips control characters (so neither terminal
// escapes nor CI workflow commands get through), and caps the length. An
// echo it cannot clean is dropped, and the text says so.

// minSecretLen is the shortest value that is redacted: shorter ones cannot
// be told from ordinary words, and no real credential is that short.
const minSecretLen = 4

// DefaultSanitizeLen caps one server string in a message.
const DefaultSanitizeLen = 300

const (
	redacted = "[redacted]"
	dropped  = "[removed: the server's text repeated a credential in a form that could not be redacted]"
)

// secrets is every credential this process has sent or received: client
// secrets, private keys, assertions, identity tokens and issued access
// tokens, each with the encoded forms it can take on the wire.
var secrets secretSet

type secretSet struct {
	mu    sync.RWMutex
	raw   map[string]bool
	forms []string // longest first, so a whole form goes before its parts
}

// rememberSecret adds credentials to the set Sanitize redacts. It is called
// when a request is built and when a token arrives, before any text from
// that exchange can be shown.
func rememberSecret(values ...string) {
	secrets.add(values...)
}

// rememberBasic adds the Basic credentials of a client: the header value
// and the base64 of client_id:secret, both as RFC 6749 §2.3.1 encodes them
// and raw, as some servers and gateways do.
func rememberBasic(id, secret string) {
	if len(secret) < minSecretLen {
		return
	}
	for _, pair := range []string{url.QueryEscape(id) + ":" + url.QueryEscape(secret), id + ":" + secret} {
		rememberSecret(base64.StdEncoding.EncodeToString([]byte(pair)), base64.RawURLEncoding.EncodeToString([]byte(pair)))
	}
}

func (s *secretSet) add(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := false
	for _, v := range values {
		v = strings.TrimSpace(v)
		if len(v) < minSecretLen || s.raw[v] {
			continue
		}
		if s.raw == nil {
			s.raw = map[string]bool{}
		}
		s.raw[v] = true
		s.forms = append(s.forms, encodedForms(v)...)
		// A PEM key's body lines are secret on their own too.
		if strings.Contains(v, "-----BEGIN") {
			for line := range strings.SplitSeq(v, "\n") {
				if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") {
					s.raw[line] = true
					s.forms = append(s.forms, line)
				}
			}
		}
		changed = true
	}
	if changed {
		slices.SortFunc(s.forms, func(a, b string) int { return len(b) - len(a) })
		s.forms = slices.Compact(s.forms)
	}
}

// encodedForms are the ways a value can come back from a server that
// echoes it: raw, form- and path-escaped (with either case of hex),
// JSON-escaped (also with "\/", as PHP writes it), HTML-escaped, base64.
func encodedForms(v string) []string {
	forms := []string{v, url.QueryEscape(v), url.PathEscape(v), html.EscapeString(v),
		strings.ReplaceAll(html.EscapeString(v), "&#34;", "&quot;"),
		base64.StdEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v))}
	forms = append(forms, lowerHex(url.QueryEscape(v)), lowerHex(url.PathEscape(v)))
	if j, err := json.Marshal(v); err == nil {
		js := string(j[1 : len(j)-1])
		forms = append(forms, js, strings.ReplaceAll(js, "/", `\/`), jsonNoHTMLEscape(v))
	}
	return forms
}

var pctHex = regexp.MustCompile(`%[0-9A-F]{2}`)

func lowerHex(s string) string { return pctHex.ReplaceAllStringFunc(s, strings.ToLower) }

func jsonNoHTMLEscape(v string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	s := strings.TrimSpace(b.String())
	return s[1 : len(s)-1]
}

// jwtShape is a compact JWS or JWE: whatever it is, it is a credential.
var jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_.-]*`)

// Sanitize makes a server's string safe to show: every known credential
// redacted in every form, anything JWT-shaped redacted, control and
// bidirectional-override characters removed, workflow-command markers
// broken up, and the result cut to maxLen runes (DefaultSanitizeLen when
// maxLen <= 0).
func Sanitize(s string, maxLen int) string { return secrets.sanitize(s, maxLen) }

func (set *secretSet) sanitize(s string, maxLen int) string {
	if maxLen <= 0 {
		maxLen = DefaultSanitizeLen
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = stripControls(s)
	s = set.redact(s)
	s = jwtShape.ReplaceAllString(s, redacted)
	if set.echoed(s) {
		return dropped
	}
	// "::name::" starts a GitHub Actions or Azure Pipelines command
	// wherever a line begins, and a wrapped diagnostic begins lines.
	s = workflowCommand.ReplaceAllString(s, ": :$1")
	s = strings.ReplaceAll(s, "##vso[", "# #vso[")
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxLen {
		s = string([]rune(s)[:maxLen]) + "…"
	}
	return s
}

var workflowCommand = regexp.MustCompile(`::([A-Za-z-])`)

// stripControls turns line breaks and tabs into spaces and drops every
// other control character and bidirectional override.
func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return -1
		}
		return r
	}, s)
}

func (s *secretSet) redact(text string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, f := range s.forms {
		if strings.Contains(text, f) {
			text = strings.ReplaceAll(text, f, redacted)
		}
	}
	return text
}

// echoed reports whether a secret survives in text under an encoding that
// redact does not know: decoded every way a server might have encoded it,
// the text must not hold a secret.
func (s *secretSet) echoed(text string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.raw) == 0 {
		return false
	}
	views := []string{text, html.UnescapeString(text), jsonUnescape(text)}
	if u, err := url.QueryUnescape(text); err == nil {
		views = append(views, u)
	}
	if u, err := url.PathUnescape(text); err == nil {
		views = append(views, u)
	}
	for _, run := range base64Run.FindAllString(text, -1) {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(run); err == nil {
				views = append(views, string(b))
			}
		}
	}
	for raw := range s.raw {
		for _, v := range views {
			if strings.Contains(v, raw) {
				return true
			}
		}
	}
	return false
}

var (
	base64Run   = regexp.MustCompile(`[A-Za-z0-9+/_-]{8,}={0,2}`)
	jsonUnicode = regexp.MustCompile(`\\u[0-9a-fA-F]{4}`)
)

func jsonUnescape(s string) string {
	s = jsonUnicode.ReplaceAllStringFunc(s, func(m string) string {
		r, err := strconv.ParseUint(m[2:], 16, 32)
		if err != nil {
			return m
		}
		return string(rune(r))
	})
	return strings.NewReplacer(`\/`, "/", `\"`, `"`, `\\`, `\`).Replace(s)
}
