package oauth

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const (
	urlPassword = "Url-Pw-7hG2kq"
	urlValue    = "Qv-3kT8zR1xx"
)

// urlsWithCredentials are URLs that carry a password or a query value, each
// unusable for its own reason, most of which url.Parse refuses with an error
// that quotes the URL.
var urlsWithCredentials = map[string]string{
	"an invalid port":         "https://user:" + urlPassword + "@idp.example:port/token?key=" + urlValue,
	"a bad escape":            "https://user:" + urlPassword + "@idp.example/%zz?tenant=" + urlValue,
	"a password with a slash": "https://user:" + urlPassword + "/x@idp.example/token?key=" + urlValue,
	"no scheme, with a colon": "user:" + urlPassword + "@idp.example/token?key=" + urlValue,
	"no scheme":               "idp.example/token?client_secret=" + urlValue,
	"a control character":     "https://user:" + urlPassword + "@idp.example/\x7ftoken?key=" + urlValue,
	"ftp":                     "ftp://user:" + urlPassword + "@idp.example/token?key=" + urlValue,
	"plain http elsewhere":    "http://user:" + urlPassword + "@idp.example/token?key=" + urlValue,
}

func assertNoURLCredentials(t *testing.T, what, msg string) {
	t.Helper()
	for _, s := range []string{urlPassword, urlValue, "user:"} {
		if strings.Contains(msg, s) {
			t.Errorf("%s quotes %q:\n%s", what, s, msg)
		}
	}
}

// An unusable URL is quoted without its password and query values, at
// validation (CheckURLSyntax) and when a request is made (token_url,
// issuer, discovery_url, an upstream), whatever url.Parse made of it.
func TestURLErrorsQuoteNoCredentials(t *testing.T) {
	for name, raw := range urlsWithCredentials {
		t.Run(name, func(t *testing.T) {
			if err := CheckURLSyntax("token_url", raw); err != nil {
				assertNoURLCredentials(t, "CheckURLSyntax", err.Error())
			} else if !strings.HasPrefix(raw, "http://") {
				t.Errorf("CheckURLSyntax accepted %q", raw)
			}
			c := newClient(t)
			_, err := c.Token(context.Background(), TokenRequest{TokenURL: raw, ClientID: "a", ClientSecret: Inline(testSecret)})
			assertNoURLCredentials(t, "the token_url error", failure(t, err, "token_url").Error())
			_, err = c.Discover(context.Background(), DiscoveryRequest{Issuer: raw})
			assertNoURLCredentials(t, "the issuer error", failure(t, err, "issuer").Error())
			_, err = c.Discover(context.Background(), DiscoveryRequest{DiscoveryURL: raw})
			assertNoURLCredentials(t, "the discovery URL error", failure(t, err, "discovery URL").Error())
			_, err = c.CheckUpstream("upstream", raw)
			var ae *ArgError
			if !errors.As(err, &ae) {
				t.Fatalf("CheckUpstream: %v", err)
			}
			assertNoURLCredentials(t, "the upstream error", ae.Msg)
		})
	}
}

// A URL the client uses has its credentials registered with the client's
// sanitiser, so a server that echoes them is redacted too.
func TestURLCredentialsAreRegistered(t *testing.T) {
	c := newClient(t)
	_, _ = c.checkURL("token_url", "https://user:"+urlPassword+"@127.0.0.1:1/token?api_key="+urlValue+"&api-version=2021-06-01")
	got := c.Redact().Sanitize("echo "+urlPassword+" and "+urlValue+" for 2021-06-01", 0)
	if strings.Contains(got, urlPassword) || strings.Contains(got, urlValue) {
		t.Errorf("a URL's credential was not registered: %q", got)
	}
	if !strings.Contains(got, "2021-06-01") {
		t.Errorf("an ordinary query value was registered: %q", got)
	}
}

// The issuer a mismatched document is compared with is quoted without its
// password.
func TestIssuerMismatchQuotesNoCredentials(t *testing.T) {
	base, _ := odcLike(t, nil)
	issuer := strings.Replace(base, "http://", "http://user:"+urlPassword+"@", 1) + "/identity/"
	_, err := newClient(t).Discover(context.Background(), DiscoveryRequest{Issuer: issuer})
	assertNoURLCredentials(t, "the mismatch error", failure(t, err, "does not match the requested issuer").Error())
}
