package oauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// A metadata document is the server's text, kept whole: a server that has
// learned a credential (from an earlier token request of the same provider
// instance) can put it in any field, or in a member no standard names, and
// what the provider keeps of the document would keep it too. Sanitized
// passes every string of the document through the client's sanitiser
// before any of it is kept.

// Lengths for what Sanitized keeps of a document.
const (
	maxDocTextLen = 4096 // a string that is not a URL, in runes
	maxDocURLLen  = 8192 // a URL, in bytes; a longer one is left out
	// maxDocStrings bounds the work: a document with more strings than
	// this (real ones hold a few hundred) is not checked string by string
	// but kept out whole, since a hostile server could otherwise make each
	// read take many seconds.
	maxDocStrings = 4096
)

// urlMembers are the standard members whose values are URLs.
var urlMembers = map[string]bool{
	"issuer": true, "authorization_endpoint": true, "token_endpoint": true, "userinfo_endpoint": true,
	"jwks_uri": true, "registration_endpoint": true, "revocation_endpoint": true, "introspection_endpoint": true,
	"device_authorization_endpoint": true, "end_session_endpoint": true, "pushed_authorization_request_endpoint": true,
}

// SanitizedMetadata is a document as it may be kept and shown.
type SanitizedMetadata struct {
	*Metadata
	// Changed names the document's top-level members the sanitiser had to
	// change (their names, never their values), in document order; empty
	// when the document is kept as the server sent it.
	Changed []string
}

// Sanitized returns md with every string passed through san, for a caller
// that keeps or shows the document (state, a plan, an ephemeral result):
//
//   - a URL (a standard endpoint member, an mtls_endpoint_aliases value, or
//     any string that starts with http:// or https://) that holds a
//     credential san knows, or a JWT, or a control character, is left out
//     (null): a URL with a part redacted would point somewhere else;
//   - any other string is what san.Sanitize makes of it;
//   - a member whose name the sanitiser would change is left out whole;
//   - a number that spells a known credential is left out.
//
// When nothing changed, md is returned as it is, Raw included. Otherwise
// Raw is the document re-serialised from the sanitised values (its members
// in the server's order), and the typed fields are read from that text, so
// that they and Raw agree.
func (md *Metadata) Sanitized(san *redact.Registry) SanitizedMetadata {
	s := docSanitizer{san: san}
	tree, err := decodeOrdered([]byte(md.Raw))
	if err != nil {
		// Not reached: Raw was parsed when it arrived. Keep nothing of it.
		return SanitizedMetadata{&Metadata{DiscoveryURL: md.DiscoveryURL}, []string{"the whole document"}}
	}
	obj, ok := tree.(*orderedObject)
	if !ok {
		return SanitizedMetadata{&Metadata{DiscoveryURL: md.DiscoveryURL}, []string{"the whole document"}}
	}
	if n := countStrings(obj); n > maxDocStrings {
		return SanitizedMetadata{&Metadata{DiscoveryURL: md.DiscoveryURL},
			[]string{fmt.Sprintf("the whole document (it holds %d strings, more than the %d the sanitiser checks)", n, maxDocStrings)}}
	}
	var changed []string
	note := func(name string) {
		if !slices.Contains(changed, name) {
			changed = append(changed, name)
		}
	}
	kept := &orderedObject{}
	for i, k := range obj.keys {
		if san.Sanitize(k, 200) != k {
			note("a member whose name held a credential")
			continue
		}
		v, c := s.value(obj.vals[i], urlMembers[k], k == "mtls_endpoint_aliases")
		if c {
			note(k)
		}
		kept.keys = append(kept.keys, k)
		kept.vals = append(kept.vals, v)
	}
	if len(changed) == 0 {
		return SanitizedMetadata{Metadata: md}
	}
	var b bytes.Buffer
	writeOrdered(&b, kept)
	out, err := parseMetadata(b.Bytes())
	if err != nil {
		// A standard member left out may not be of its type any more only
		// if it was null already; still, never keep what did not parse.
		return SanitizedMetadata{&Metadata{DiscoveryURL: md.DiscoveryURL}, []string{"the whole document"}}
	}
	out.DiscoveryURL = md.DiscoveryURL
	// An alias left out is no alias: not an empty one.
	for k, v := range out.MTLSEndpointAliases {
		if v == "" {
			delete(out.MTLSEndpointAliases, k)
		}
	}
	return SanitizedMetadata{out, changed}
}

type docSanitizer struct{ san *redact.Registry }

// value sanitises one JSON value; isURL says that its strings are URLs,
// urlValues that the strings of an object it holds are. It reports whether
// anything changed.
func (s docSanitizer) value(v any, isURL, urlValues bool) (any, bool) {
	switch v := v.(type) {
	case string:
		if isURL || looksLikeURL(v) {
			if s.unsafeURL(v) {
				return nil, true
			}
			return v, false
		}
		out := s.san.Sanitize(v, maxDocTextLen)
		return out, out != v
	case json.Number:
		if s.san.Reveals(v.String()) {
			return nil, true
		}
		return v, false
	case []any:
		changed := false
		out := make([]any, len(v))
		for i, e := range v {
			var c bool
			out[i], c = s.value(e, isURL, false)
			changed = changed || c
		}
		return out, changed
	case *orderedObject:
		changed := false
		out := &orderedObject{}
		for i, k := range v.keys {
			if s.san.Sanitize(k, 200) != k {
				changed = true
				continue
			}
			e, c := s.value(v.vals[i], urlValues, false)
			changed = changed || c
			out.keys = append(out.keys, k)
			out.vals = append(out.vals, e)
		}
		return out, changed
	}
	return v, false // bool, null
}

// unsafeURL is a URL that cannot be kept as it is: it holds a known
// credential or a JWT, a control or format character, or is too long.
func (s docSanitizer) unsafeURL(v string) bool {
	return len(v) > maxDocURLLen || s.san.Reveals(v) ||
		strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) })
}

func looksLikeURL(v string) bool {
	l := strings.ToLower(v)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}

// orderedObject is a JSON object with its members in document order,
// duplicates included, so that every member the server sent is seen.
type orderedObject struct {
	keys []string
	vals []any
}

// decodeOrdered reads one JSON value token by token: objects become
// *orderedObject, numbers json.Number.
func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the document")
	}
	return v, nil
}

func readValue(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &orderedObject{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				o.keys = append(o.keys, k)
				o.vals = append(o.vals, v)
			}
			_, err := dec.Token() // '}'
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token() // ']'
			return a, err
		}
		return nil, errors.New("unexpected delimiter")
	}
	return t, nil // string, json.Number, bool, nil
}

// writeOrdered writes v as compact JSON, objects' members in their order,
// without HTML escaping.
func writeOrdered(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case *orderedObject:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeScalar(b, k)
			b.WriteByte(':')
			writeOrdered(b, v.vals[i])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeOrdered(b, e)
		}
		b.WriteByte(']')
	default:
		writeScalar(b, v)
	}
}

func writeScalar(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)       // strings, json.Number, bool and nil always encode
	b.Truncate(b.Len() - 1) // Encode's newline
}

// countStrings is how many strings (member names included) v holds.
func countStrings(v any) int {
	switch v := v.(type) {
	case string:
		return 1
	case []any:
		n := 0
		for _, e := range v {
			n += countStrings(e)
		}
		return n
	case *orderedObject:
		n := len(v.keys)
		for _, e := range v.vals {
			n += countStrings(e)
		}
		return n
	}
	return 0
}
