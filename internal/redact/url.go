package redact

import (
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// URLLen caps a URL quoted in a message.
const URLLen = 300

// queryValue stands where URL removed a query parameter's value.
const queryValue = "…"

// URL is the one way a URL is quoted in a message or a log line: its user
// information (user name and password) and the values of its query
// parameters removed, its fragment dropped, control characters stripped,
// and cut to URLLen runes. It works on the text alone, so a string that
// does not parse as a URL is quoted as safely as one that does, and it
// never repeats a parser's error (which quotes the whole URL).
//
// Everything up to the last '@' before the query is user information,
// however many '/' or ':' it holds (a password may hold both; when it holds
// a '/', "…@" marks the cut, since the '@' may as well have been in a
// path); when the
// query or the fragment holds an '@' and what comes before it is no
// plausible host[:port], that is taken for user information too (a
// password with '?' or '#' in it). Parameter names are kept; a part of the
// query without '=' is a value.
func URL(raw string) string {
	prefix, _, pre, tail := urlParts(strings.TrimSpace(clean(raw)))
	if at := strings.LastIndex(pre, "@"); at >= 0 {
		// What is dropped may be a path with an '@' in it rather than a
		// password with a '/': the text cannot tell them apart, so it is
		// dropped either way, and marked so that what is left is not read
		// as the whole URL.
		if strings.Contains(pre[:at], "/") {
			pre = queryValue + pre[at:]
		} else {
			pre = pre[at+1:]
		}
	} else if strings.Contains(tail, "@") {
		host, _, _ := strings.Cut(pre, "/")
		if !plausibleHost.MatchString(host) {
			pre, tail = queryValue, ""
		}
	}
	out := prefix + pre
	if strings.HasPrefix(tail, "?") {
		query, _, _ := strings.Cut(tail[1:], "#")
		out += "?" + blankValues(query)
	}
	if utf8.RuneCountInString(out) > URLLen {
		out = string([]rune(out)[:URLLen]) + "…"
	}
	return out
}

var (
	urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)
	// plausibleHost is a host name, an IPv4 address or a bracketed IPv6
	// one, with an optional numeric port.
	plausibleHost = regexp.MustCompile(`^(?:[A-Za-z0-9._~%-]*|\[[0-9A-Fa-f:.%A-Za-z]*\])(?::[0-9]*)?$`)
)

// urlParts is how URL and RememberURL read a URL's text: the scheme and
// "://" (prefix), what follows (rest), and rest split before the first '?'
// or '#' into pre (user information, host, path) and tail.
func urlParts(s string) (prefix, rest, pre, tail string) {
	rest = s
	if i := strings.Index(s, "://"); i > 0 && urlScheme.MatchString(s[:i]) {
		prefix, rest = s[:i+3], s[i+3:]
	}
	pre = rest
	if q := strings.IndexAny(rest, "?#"); q >= 0 {
		pre, tail = rest[:q], rest[q:]
	}
	return prefix, rest, pre, tail
}

// blankValues keeps a query's parameter names and replaces their values.
func blankValues(query string) string {
	if query == "" {
		return ""
	}
	parts := strings.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' })
	for i, p := range parts {
		if name, _, ok := strings.Cut(p, "="); ok {
			parts[i] = name + "=" + queryValue
		} else {
			parts[i] = queryValue
		}
	}
	return strings.Join(parts, "&")
}

// RememberURL registers what in a URL may be a credential, before the URL
// is used or quoted: the password of its user information, a user name
// that looks like a token, and the query values that look like secrets (a
// parameter named like one, or a long run of letters and digits). It reads
// the text as URL does, so a URL that does not parse is covered too.
func (r *Registry) RememberURL(raw string) {
	tail := r.RememberUserinfo(raw)
	if strings.HasPrefix(tail, "?") {
		query, _, _ := strings.Cut(tail[1:], "#")
		for _, p := range strings.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' }) {
			name, value, ok := strings.Cut(p, "=")
			if !ok {
				name, value = "", p
			}
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			if secretName.MatchString(name) && len(value) >= MinSecretLen || looksLikeCredential(value) {
				r.rememberDecoded(value)
			}
		}
	}
}

// RememberUserinfo registers what in a URL's user information may be a
// credential: its password, and a user name that looks like a token. It
// reads the text as URL does, so a URL that does not parse is covered too.
// It returns the URL's query and fragment, for RememberURL.
func (r *Registry) RememberUserinfo(raw string) (tail string) {
	_, rest, pre, tail := urlParts(raw)
	userinfo := ""
	if at := strings.LastIndex(pre, "@"); at >= 0 {
		userinfo = pre[:at]
	} else if at := strings.LastIndex(rest, "@"); at >= 0 {
		// A password holding '?' or '#': the text before the last '@'
		// may be user information; remember it only when it is no
		// plausible host.
		if host, _, _ := strings.Cut(pre, "/"); !plausibleHost.MatchString(host) {
			userinfo = rest[:at]
		}
	}
	if userinfo != "" {
		user, password, hasPassword := strings.Cut(userinfo, ":")
		if hasPassword {
			r.rememberDecoded(password)
		}
		if looksLikeCredential(user) {
			r.rememberDecoded(user)
		}
	}
	return tail
}

// rememberDecoded remembers a URL component as written and decoded.
func (r *Registry) rememberDecoded(v string) {
	r.Remember(v)
	if d, err := url.PathUnescape(v); err == nil && d != v {
		r.Remember(d)
	}
	if d, err := url.QueryUnescape(v); err == nil && d != v {
		r.Remember(d)
	}
}

// secretName is a query parameter whose value is a credential by its name.
var secretName = regexp.MustCompile(`(?i)secret|passw|pwd|token|key|sig|auth|credential|session|assertion`)

// looksLikeCredential is a run of at least 16 characters with letters and
// digits and nothing that makes it a URL, a URN or a domain name.
func looksLikeCredential(v string) bool {
	return len(v) >= 16 && !strings.ContainsAny(v, ":/.") &&
		strings.ContainsAny(v, "0123456789") &&
		strings.ContainsFunc(v, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' })
}
