package oauth

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

const excerptLen = 200

var (
	htmlTag = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]*>`)
	spaces  = regexp.MustCompile(`\s+`)
	// Long runs of token-alphabet characters look like credentials or
	// tokens (JWTs, opaque tokens, secrets); an excerpt never repeats them.
	tokenish = regexp.MustCompile(`[A-Za-z0-9_\-.~+/=]{32,}`)
)

// excerpt turns a non-OAuth response body into a short, single-line text that
// is safe to show: markup stripped, whitespace folded, invalid UTF-8 replaced,
// the given secrets and anything token-shaped redacted, and cut to length.
func excerpt(body []byte, secrets ...string) string {
	s := redactAll(strings.ToValidUTF8(string(body), "\uFFFD"), secrets)
	s = htmlTag.ReplaceAllString(s, " ")
	s = tokenish.ReplaceAllString(s, "[redacted]")
	s = strings.TrimSpace(spaces.ReplaceAllString(s, " "))
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	// Stripping markup and control characters can join a secret back up.
	s = redactAll(s, secrets)
	if utf8.RuneCountInString(s) > excerptLen {
		s = string([]rune(s)[:excerptLen]) + "…"
	}
	return s
}

func redactAll(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}
