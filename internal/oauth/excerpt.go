package oauth

import (
	"regexp"
	"strings"
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
// is safe to show: known credentials redacted first (before markup is taken
// apart), markup stripped, whitespace folded, anything token-shaped
// redacted, and the whole passed through Sanitize.
func excerpt(body []byte) string {
	s := secrets.redact(stripControls(strings.ToValidUTF8(string(body), "\uFFFD")))
	s = htmlTag.ReplaceAllString(s, " ")
	s = tokenish.ReplaceAllString(s, redacted)
	s = spaces.ReplaceAllString(s, " ")
	return Sanitize(s, excerptLen)
}
