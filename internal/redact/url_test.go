package redact

import (
	"net/url"
	"strings"
	"testing"
)

// URL quotes a URL without its user information, query values or
// fragment, whether or not it parses, and never with more of it than that.
func TestURLRemovesCredentials(t *testing.T) {
	const pw, val = "Pw-9xQ2vL7", "Qv-3kT8zR1"
	for _, tc := range []struct{ in, want string }{
		{"https://idp.example/token", "https://idp.example/token"},
		{"https://user:" + pw + "@idp.example/token?tenant=" + val + "&api-version=2#frag-" + val,
			"https://idp.example/token?tenant=…&api-version=…"},
		// url.Parse refuses these; the text is redacted all the same.
		{"https://user:" + pw + "@idp.example:port/token?key=" + val, "https://idp.example:port/token?key=…"},
		{"https://user:" + pw + "/x@idp.example/token", "https://…@idp.example/token"},
		{"https://user:1234/" + pw + "@idp.example/token", "https://…@idp.example/token"}, // parses, with host "user"
		{"https://idp.example/users/me@example.com/token", "https://…@example.com/token"},
		{"https://user:" + pw + "?x@idp.example/token", "https://…"},
		{"https://user:" + pw + "#x@idp.example/token", "https://…"},
		{"https://idp.exa mple/%zz?code=" + val, "https://idp.exa mple/%zz?code=…"},
		{":user:" + pw + "@idp.example", "idp.example"},
		{"user:" + pw + "@idp.example/x", "idp.example/x"},
		{"redis://:" + pw + "@cache:6379/0?dial_timeout=" + val, "redis://cache:6379/0?dial_timeout=…"},
		{"https://idp.example/token?" + val, "https://idp.example/token?…"},
		{"https://idp.example/t?email=a@b.example&x=" + val, "https://idp.example/t?email=…&x=…"},
		{"https://idp.example/\x1b[2Jtoken\n", "https://idp.example/[2Jtoken"},
	} {
		got := URL(tc.in)
		if got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
		for _, s := range []string{pw, val, "user:"} {
			if strings.Contains(got, s) {
				t.Errorf("URL(%q) = %q keeps %q", tc.in, got, s)
			}
		}
	}
	if got := URL("https://idp.example/" + strings.Repeat("a", 500)); len([]rune(got)) != URLLen+1 {
		t.Errorf("a long URL is not cut: %d runes", len([]rune(got)))
	}
	// Where url.Parse succeeds, URL agrees with it on what is kept.
	u, _ := url.Parse("https://u:p@[::1]:8443/a/b?c=d")
	if got := URL(u.String()); got != "https://[::1]:8443/a/b?c=…" {
		t.Errorf("URL(%q) = %q", u, got)
	}
}

// The credentials a URL carries are registered where it is used, so that
// an echo of them elsewhere is redacted; ordinary parameters are not.
func TestRememberURL(t *testing.T) {
	const pw, key, plain = "Pw-9xQ2vL7%2Fz", "k3y-VALUE-77", "2021-06-01"
	r := New()
	r.RememberURL("https://user:" + pw + "@idp.example/token?api_key=" + key + "&api-version=" + plain + "&blob=a1b2c3d4e5f6g7h8i9")
	r.RememberURL("https://user:Broken-Pw%zz@idp.example:port/x") // does not parse
	for _, s := range []string{"Pw-9xQ2vL7/z", pw, key, "a1b2c3d4e5f6g7h8i9", "Broken-Pw%zz"} {
		if got := r.Sanitize("echo "+s+" here", 0); strings.Contains(got, s) {
			t.Errorf("%q was not registered: %q", s, got)
		}
	}
	for _, s := range []string{plain, "user", "idp.example"} {
		if got := r.Sanitize("echo "+s+" here", 0); !strings.Contains(got, s) {
			t.Errorf("%q was registered: %q", s, got)
		}
	}
}

func TestReveals(t *testing.T) {
	r := New()
	r.Remember("reveal-Secret-42")
	for s, want := range map[string]bool{
		"https://idp.example/token":                                             false,
		"https://[::abcd]/token":                                                false,
		"https://idp.example/token?x=reveal-Secret-42":                          true,
		"https://idp.example/token?x=reveal%2DSecret%2D42":                      true,
		"https://idp.example/" + strings.ToUpper("reveal-Secret-42"):            true,
		"https://idp.example/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl": true,
	} {
		if got := r.Reveals(s); got != want {
			t.Errorf("Reveals(%q) = %v, want %v", s, got, want)
		}
	}
}

// A URL path after a port is no base64 whose case was lost: a message that
// quotes a token endpoint is shown, not withheld, once the registry knows a
// credential.
func TestSanitizeShowsURLPathsAfterAPort(t *testing.T) {
	r := New()
	r.Remember("reveal-Secret-42")
	for _, s := range []string{
		"POST https://kc.example:8443/realms/master/protocol/openid-connect/token (auth_method client_secret_basic): refused",
		"GET http://127.0.0.1:37755/identity/connect/token",
	} {
		if got := r.Sanitize(s, 0); got != s {
			t.Errorf("Sanitize(%q) = %q", s, got)
		}
		if r.Reveals(s) {
			t.Errorf("Reveals(%q)", s)
		}
	}
}

// Whatever a password or a query value holds (but for the characters that
// end user information, '?' and '#', whose case TestURLRemovesCredentials
// covers), and whatever the path, URL shows neither.
func FuzzURL(f *testing.F) {
	f.Add("s3cr3t/pw:x", "v@l&ue=1", "a/b@c")
	f.Add("p@ss", "x", "")
	f.Add("%zz", "%41", "%2F..")
	f.Fuzz(func(t *testing.T, pw, val, path string) {
		if len(pw) < 4 || len(val) < 4 || strings.ContainsAny(pw, "?#") || strings.ContainsAny(path, "?#") {
			return
		}
		val = strings.NewReplacer("&", "", ";", "", "#", "").Replace(val)
		raw := "https://user:" + pw + "@idp.example:8443/" + path + "?key=" + val + "&b=2"
		got := URL(raw)
		rest := "https://idp.example:8443/" + path + "?key=&b=2"
		if c := clean(pw); len(c) >= 4 && strings.Contains(got, c) && !strings.Contains(clean(rest), c) && !strings.Contains(queryValue, c) {
			t.Errorf("URL(%q) = %q shows the password", raw, got)
		}
		if c := clean(val); len(c) >= 4 && strings.Contains(got, c) && !strings.Contains(clean(rest), c) && !strings.Contains(queryValue, c) {
			t.Errorf("URL(%q) = %q shows the query value", raw, got)
		}
	})
}
