package redact

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
)

// encodedForms are the literal ways a value comes back from a server that
// echoes it: raw, form- and path-escaped (with either case of hex),
// JSON-escaped (also with "\/", as PHP writes it), HTML-escaped, base64.
// They are replaced in place; what they miss, the recovery check catches.
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
