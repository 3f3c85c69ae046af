package oauth

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
)

func startCI(t *testing.T) *ciserver.Server { return ciserver.StartT(t, ciserver.Options{}) }

// The metadata server is reached directly, over plain http, even with a
// proxy in the environment.
func TestMetadataServerIsNeverProxied(t *testing.T) {
	proxied := proxyRecorder(t)
	ci := startCI(t)
	t.Setenv("GCE_METADATA_HOST", strings.TrimPrefix(ci.URL, "http://"))
	if _, err := newClient(t).IdentityToken(context.Background(), ciSource{"gcp_metadata", "aud"}); err != nil {
		t.Fatal(err)
	}
	if proxied.Load() != 0 {
		t.Errorf("the metadata request went through the proxy")
	}
}

// workload_identity authenticates at a token endpoint that verifies the
// federated assertion against the platform's published keys; every attempt
// fetches a fresh identity token; fifty identical reads cost one identity
// token and one access token; the identity token never reaches the disk.
func TestWorkloadIdentityTokenRequest(t *testing.T) {
	ci := startCI(t)
	setEnv(t, ci.GitHubEnv())
	srv := startAuth(t, authserver.Options{AuthMethods: []string{"client_assertion"},
		Federated: map[string]authserver.Federation{"app-1": {Issuer: ciserver.GitHubIssuer, Subject: ciserver.GitHubSubject,
			Audience: "api://AzureADTokenExchange", JWKSURL: ci.JWKSURL()}},
	})
	req := TokenRequest{TokenURL: srv.TokenURL(), ClientID: "app-1",
		WorkloadIdentity: ciSource{"github_actions", "api://AzureADTokenExchange"}}
	if req.chooseAuthMethod(nil) != ClientAssertion {
		t.Fatal("workload_identity should imply client_assertion")
	}
	store := &memStore{}
	c := newClient(t, realClock, withStore(store))
	tokensAtOnce(t, c, req, 50)
	if n, m := len(ci.Requests()), len(srv.TokenRequests()); n != 1 || m != 1 {
		t.Errorf("50 identical reads: %d identity and %d token requests; want 1 and 1", n, m)
	}
	if r := srv.TokenRequests()[0]; r.Error != "" || r.AuthMethod != "client_assertion" {
		t.Fatalf("the token endpoint refused the federated assertion: %s", r.Error)
	}
	if saved := store.saved(); len(saved) != 0 {
		t.Errorf("%d cache entries: a token obtained with an identity token was stored", len(saved))
	}

	// A retried request fetches a new identity token for its second attempt.
	flaky := startAuth(t, authserver.Options{AuthMethods: []string{"client_assertion"}, Federated: map[string]authserver.Federation{"app-1": {Issuer: ciserver.GitHubIssuer,
		Subject: ciserver.GitHubSubject, Audience: "api://AzureADTokenExchange", JWKSURL: ci.JWKSURL()}}, FailFirst: 1})
	req.TokenURL, req.NoShare = flaky.TokenURL(), true
	before := len(ci.Issued())
	if _, err := newClient(t, realClock).Token(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	issued := ci.Issued()[before:]
	reqs := flaky.TokenRequests()
	if len(issued) != 2 || len(reqs) != 2 || reqs[1].RawAssertion != issued[1] || reqs[0].RawAssertion == reqs[1].RawAssertion {
		t.Errorf("2 attempts carried %d identity tokens; want a fresh one each", len(issued))
	}
}

// Secrets in files and variables are read when the request is sent, on
// every attempt: a file rotated between two attempts is picked up.
func TestSecretFileReadOnEveryAttempt(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secret")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(file, []byte("first-secret-value\n"), 0o600))
	var secrets []string
	var mu sync.Mutex
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		secrets = append(secrets, r.PostForm.Get("client_secret"))
		n := len(secrets)
		mu.Unlock()
		if n == 1 {
			_ = os.WriteFile(file, []byte("rotated-secret-value"), 0o600)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		answerWith(200, "application/json", `{"access_token":"tok","expires_in":60}`)(w, r)
	})
	_, err := newClient(t).Token(context.Background(), TokenRequest{TokenURL: srv.URL, ClientID: "a", ClientSecret: Secret{File: file}, AuthMethod: ClientSecretPost})
	must(err)
	if len(secrets) != 2 || secrets[0] != "first-secret-value" || secrets[1] != "rotated-secret-value" {
		t.Errorf("the attempts sent %q; want the file as it was at each", secrets)
	}
}

// A missing, empty or unreadable source is an error naming it, never its
// content, and blaming the argument that named it.
func TestSecretSourceErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	_ = os.WriteFile(empty, []byte(" \n"), 0o600)
	t.Setenv("EMPTY_SECRET_VAR", "")
	t.Setenv("ASSERTION_VAR", "a.b.c")
	for _, tc := range []struct {
		name string
		req  TokenRequest
		arg  string
		want string
	}{
		{"unset variable", TokenRequest{ClientSecret: Secret{Env: "NO_SUCH_SECRET_VAR"}}, ArgClientSecretEnv, "The environment variable NO_SUCH_SECRET_VAR named by client_secret_env is not set."},
		{"empty variable", TokenRequest{ClientSecret: Secret{Env: "EMPTY_SECRET_VAR"}}, ArgClientSecretEnv, "The environment variable EMPTY_SECRET_VAR named by client_secret_env is empty."},
		{"missing file", TokenRequest{ClientSecret: Secret{File: filepath.Join(dir, "nope")}}, ArgClientSecretFile, "named by client_secret_file could not be read: no such file or directory."},
		{"empty file", TokenRequest{PrivateKey: Secret{File: empty}}, ArgPrivateKeyFile, "named by private_key_file is empty."},
		{"two forms", TokenRequest{ClientSecret: Secret{Value: "x", Env: "X"}}, ArgClientSecretFile, "Set only one of client_secret, client_secret_file and client_secret_env."},
		{"assertion and workload identity", TokenRequest{ClientAssertion: Secret{Env: "ASSERTION_VAR"}, WorkloadIdentity: ciSource{"github_actions", ""}},
			ArgWorkloadIdentity, "Set either workload_identity or a client_assertion"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.TokenURL, tc.req.ClientID = "https://idp.example/token", "a"
			_, err := newClient(t).Token(context.Background(), tc.req)
			e := failure(t, err, tc.want)
			var ae *ArgError
			if !errors.As(e, &ae) || ae.Arg != tc.arg {
				t.Errorf("blames %+v; want %s", ae, tc.arg)
			}
		})
	}
}
