// Package testleak finds credentials in text the way a reader would: in any
// of the encodings a server or a log could give them. It is for tests, and
// keeps its own list of encodings, independent of the sanitiser's.
package testleak

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
)

var pctHex = regexp.MustCompile(`%[0-9A-F]{2}`)

// Forms are the ways v can be written back, by name.
func Forms(v string) map[string]string {
	js, _ := json.Marshal(v)
	jsInner := string(js[1 : len(js)-1])
	return map[string]string{
		"raw": v, "form-encoded": url.QueryEscape(v), "path-escaped": url.PathEscape(v),
		"form-encoded, lower-case hex": pctHex.ReplaceAllStringFunc(url.QueryEscape(v), strings.ToLower),
		"JSON-escaped":                 jsInner, `JSON-escaped with \/`: strings.ReplaceAll(jsInner, "/", `\/`),
		"HTML-escaped": html.EscapeString(v), "base64": base64.StdEncoding.EncodeToString([]byte(v)),
	}
}

// BasicForms are the forms of a client's HTTP Basic credentials.
func BasicForms(id, secret string) map[string]string {
	enc := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
	return map[string]string{"Basic value": "Basic " + enc, "base64 of id:secret (RFC 6749)": enc,
		"base64 of id:secret (raw)": base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))}
}

// Find names every credential form present in text, as "role, form".
func Find(text string, creds map[string]string) []string {
	var found []string
	for role, v := range creds {
		if v == "" {
			continue
		}
		for name, f := range Forms(v) {
			if strings.Contains(text, f) {
				found = append(found, role+", "+name)
			}
		}
	}
	return found
}
