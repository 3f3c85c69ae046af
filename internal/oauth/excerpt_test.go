package oauth

import (
	"strings"
	"testing"
)

func TestExcerpt(t *testing.T) {
	rememberSecret("hunter2-value")
	for _, tc := range []struct{ body, want string }{
		{"<html><head><title>502</title><style>b{}</style></head><body><h1>Bad   Gateway</h1></body></html>", "502 Bad Gateway"},
		{"token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2ln here", "token [redacted] here"},
		{"secret is hunter2-value", "secret is [redacted]"},
		{"split hunter2-\x01value", "split [redacted]"},
		{strings.Repeat("é", 300), strings.Repeat("é", 200) + "…"},
	} {
		if got := excerpt([]byte(tc.body)); got != tc.want {
			t.Errorf("excerpt(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}
