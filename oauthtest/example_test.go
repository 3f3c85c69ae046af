package oauthtest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/clientcreds/terraform-provider-clientcreds/oauthtest"
)

// A test starts the server, points the code under test at Issuer or
// TokenURL with ClientID and ClientSecret, and checks what the server saw.
// The server stops when the test ends. Here the code under test is a
// golang.org/x/oauth2 client calling the server's protected API.
//
// Start needs a test's *testing.T, which an example does not have, so this
// example is compiled but not run (it has no Output).
func ExampleStart() {
	testAPIClient := func(t *testing.T) {
		srv := oauthtest.Start(t, oauthtest.Options{IssuerPath: "/identity"})

		cfg := clientcredentials.Config{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, TokenURL: srv.TokenURL()}
		resp, err := cfg.Client(context.Background()).Get(srv.APIURL())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || srv.Stats().TokensIssued != 1 {
			t.Errorf("API answered %d after %d token requests", resp.StatusCode, srv.Stats().TokensIssued)
		}
	}
	_ = testAPIClient // a func TestX(t *testing.T) in real code
}

// Faults make the next requests fail; here Epicollect5's limits: JSON bodies
// only, ten tokens an hour, and each token revoking the one before. SetFaults
// replaces every fault, so one 429 is added to those in force by changing
// what Faults returns.
func ExampleServer_SetFaults() {
	srv, err := oauthtest.Listen("127.0.0.1:0", oauthtest.Options{
		Clients:       []oauthtest.Client{{ID: "1234", Secret: "s3cret"}},
		Body:          oauthtest.BodyJSON,
		TokenLifetime: 2 * time.Hour,
		Faults:        oauthtest.Faults{RateLimit: 10, RevokeOlder: true},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	f := srv.Faults()
	f.TooManyRequests, f.RetryAfter = 1, oauthtest.Duration(30*time.Second)
	srv.SetFaults(f)
	body := `{"grant_type":"client_credentials","client_id":1234,"client_secret":"s3cret"}`
	for range 2 {
		resp, err := http.Post(srv.TokenURL(), "application/vnd.api+json", strings.NewReader(body))
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Output:
	// 429 30
	// 200
}
