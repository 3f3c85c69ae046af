package redact

import (
	"regexp"
)

// ExcerptLen caps the excerpt of a body that is not an OAuth answer.
const ExcerptLen = 200

var (
	htmlTag = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]*>`)
	spaces  = regexp.MustCompile(`\s+`)
	// Long runs of token-alphabet characters look like credentials or
	// tokens (JWTs, opaque tokens, secrets); an excerpt never repeats them.
	tokenish = regexp.MustCompile(`[A-Za-z0-9_\-.~+/=]{32,}`)
)

// Excerpt turns a response body that is not an OAuth answer (an HTML error
// page, say) into a short single line that is safe to show: known
// credentials redacted first (before markup is taken apart), markup
// stripped, whitespace folded, anything token-shaped redacted, and the
// whole passed through Sanitize.
func (r *Registry) Excerpt(body []byte) string {
	if r == nil {
		r = &Registry{}
	}
	s := r.redact(clean(string(body)))
	s = htmlTag.ReplaceAllString(s, " ")
	s = tokenish.ReplaceAllString(s, Redacted)
	s = spaces.ReplaceAllString(s, " ")
	return r.sanitize(s, ExcerptLen)
}
