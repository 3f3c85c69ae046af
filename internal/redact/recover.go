package redact

import (
	"encoding/base64"
	"encoding/hex"
	"html"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The recovery check: a reader can undo what a server did to a credential,
// so the text is decoded every way a reader could, repeatedly, and each view
// is compared with every credential after both are folded (compatibility
// forms, format characters, whitespace and case all removed).
const (
	// maxDepth bounds how many decodings are chained.
	maxDepth = 4
	// maxViews bounds the work; a text with more views than this is
	// withheld, since the check could not be completed.
	maxViews = 1024
)

// recoverable reports whether a known credential can be recovered from
// text, or whether that could not be ruled out.
func (r *Registry) recoverable(text string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.folded) == 0 {
		return false
	}
	views, complete := decodedViews(text)
	if !complete || caseLost(text) {
		return true
	}
	for _, v := range views {
		fv := fold(v)
		for _, s := range r.folded {
			if strings.Contains(fv, s) {
				return true
			}
		}
	}
	return false
}

// caseLost reports a long run that looks like base64 whose letters were all
// put in one case (but for a word or two run into it): it cannot be decoded, but a reader can recover it by
// trying each group's cases, so nothing can be ruled out. (The base64 of a
// known credential in any case is matched directly, by caselessBase64.)
func caseLost(v string) bool {
	for _, run := range stdBase64Run.FindAllString(v, -1) {
		lower, upper, digits := count(run, 'a', 'z'), count(run, 'A', 'Z'), count(run, '0', '9')
		switch {
		case min(lower, upper) > 2:
			continue // both cases throughout: base64 as written, decoded elsewhere
		case strings.Trim(run, "0123456789abcdefABCDEF=") == "":
			continue // hex decodes in any case
		case digits < 2 || digits < len(run)/16:
			continue // words and paths have few digits; base64 has one in six
		case strings.Count(run, "/")*12 > len(run):
			continue // a URL path after a port (8443/realms/master/protocol): base64 has one '/' in 64
		}
		return true
	}
	return false
}

// count is the number of bytes of s between lo and hi.
func count(s string, lo, hi byte) int {
	n := 0
	for i := range len(s) {
		if s[i] >= lo && s[i] <= hi {
			n++
		}
	}
	return n
}

// caselessBase64 are the parts of v's base64 that do not depend on what
// surrounds v, at each of the three byte alignments it can have in a longer
// encoded text, in both alphabets, lower-cased: found in a folded view, they
// are v's base64 with its case changed.
func caselessBase64(v string) []string {
	var out []string
	for a := range 3 {
		e := base64.RawStdEncoding.EncodeToString(append(make([]byte, a), v...))
		start, end := (8*a+5)/6, 8*(a+len(v))/6
		if end-start < 8 {
			continue
		}
		inner := strings.ToLower(e[start:end])
		out = append(out, inner, strings.NewReplacer("+", "-", "/", "_").Replace(inner))
	}
	return out
}

// fold is what is left of a text once everything a reader ignores is gone:
// compatibility forms folded, format and control characters and whitespace
// removed, letters lower-cased.
func fold(s string) string {
	s = norm.NFKC.String(strings.ToValidUTF8(s, ""))
	return strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s))
}

// decodedViews is text and everything reachable from it by chains of up to
// maxDepth decodings; complete is false when maxViews cut the search short.
func decodedViews(text string) (views []string, complete bool) {
	seen := map[string]bool{text: true}
	views = []string{text}
	frontier := views
	for depth := 0; depth < maxDepth && len(frontier) > 0; depth++ {
		var next []string
		for _, v := range frontier {
			for _, d := range decodings(v) {
				d = clean(d)
				if len(fold(d)) < MinSecretLen || seen[d] {
					continue
				}
				if len(views) >= maxViews {
					return views, false
				}
				seen[d] = true
				views = append(views, d)
				next = append(next, d)
			}
		}
		frontier = next
	}
	return views, true
}

// decodings are the one-step decodings of v that differ from it.
func decodings(v string) []string {
	var out []string
	add := func(d string) {
		if d != v {
			out = append(out, d)
		}
	}
	add(html.UnescapeString(v))
	add(unescapeBackslashes(v))
	add(unescapeHex(pctEscape, v, false))
	if strings.Contains(v, "+") {
		add(unescapeHex(pctEscape, v, true))
	}
	add(unescapeHex(qpEscape, v, false))
	compact := strings.Join(strings.Fields(v), "")
	add(compact) // an escape or a run split by line breaks
	for _, d := range decodeRuns(base64Run, compact, 4, decodeBase64) {
		add(d)
	}
	for _, d := range decodeRuns(hexRun, compact, 2, decodeHex) {
		add(d)
	}
	return out
}

var (
	pctEscape    = regexp.MustCompile(`%[0-9A-Fa-f]{2}`)
	qpEscape     = regexp.MustCompile(`=[0-9A-Fa-f]{2}`)
	backslashEsc = regexp.MustCompile(`\\(u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|[/"\\'])`)
	base64Run    = regexp.MustCompile(`[A-Za-z0-9+/_-]{8,}={0,2}`)
	stdBase64Run = regexp.MustCompile(`[A-Za-z0-9+/]{24,}={0,2}`)
	hexRun       = regexp.MustCompile(`[0-9A-Fa-f]{8,}`)
)

// unescapeHex decodes each escape matched by re (%XX or =XX) leniently: a
// stray marker that is not an escape is left as it is, where the standard
// library's decoders give up on the whole text.
func unescapeHex(re *regexp.Regexp, s string, plusIsSpace bool) string {
	if plusIsSpace {
		s = strings.ReplaceAll(s, "+", " ")
	}
	return re.ReplaceAllStringFunc(s, func(m string) string {
		b, _ := strconv.ParseUint(m[1:], 16, 8)
		return string([]byte{byte(b)})
	})
}

// unescapeBackslashes decodes JSON's and C's escapes: \uXXXX, \xXX, \/,
// \", \', \\.
func unescapeBackslashes(s string) string {
	return backslashEsc.ReplaceAllStringFunc(s, func(m string) string {
		switch m[1] {
		case 'u':
			n, _ := strconv.ParseUint(m[2:], 16, 32)
			return string(rune(n))
		case 'x':
			n, _ := strconv.ParseUint(m[2:], 16, 8)
			return string([]byte{byte(n)})
		}
		return m[1:]
	})
}

// decodeRuns decodes every run of re in s, at each alignment below width
// (a run may start with letters that belong to a word before it), and
// returns one view per alignment with the decoded runs in place of the runs.
func decodeRuns(re *regexp.Regexp, s string, width int, decode func(string) (string, bool)) []string {
	runs := re.FindAllStringIndex(s, -1)
	if len(runs) == 0 {
		return nil
	}
	var out []string
	for off := range width {
		var b strings.Builder
		last, found := 0, false
		for _, r := range runs {
			if r[1]-r[0]-off < 4 {
				continue
			}
			d, ok := decode(s[r[0]+off : r[1]])
			if !ok {
				continue
			}
			b.WriteString(s[last:r[0]])
			b.WriteString(" " + d + " ")
			last, found = r[1], true
		}
		if found {
			b.WriteString(s[last:])
			out = append(out, b.String())
		}
	}
	return out
}

// decodeBase64 reads either alphabet, padded or not; a trailing partial
// group is dropped rather than failing the run.
func decodeBase64(run string) (string, bool) {
	run = strings.TrimRight(run, "=")
	run = strings.NewReplacer("-", "+", "_", "/").Replace(run)
	if len(run)%4 == 1 {
		run = run[:len(run)-1]
	}
	b, err := base64.RawStdEncoding.DecodeString(run)
	return string(b), err == nil && len(b) > 0
}

func decodeHex(run string) (string, bool) {
	run = run[:len(run)/2*2]
	b, err := hex.DecodeString(run)
	return string(b), err == nil && len(b) > 0
}
