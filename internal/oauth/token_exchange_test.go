package oauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
)

const gcpAudience = "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/github"

// A client-credentials token exchanged, with client authentication, for a
// token for another audience: every RFC 8693 parameter reaches the server,
// short token-type names go out as URNs, and issued_token_type comes back.
func TestTokenExchangeChain(t *testing.T) {
	srv := startAuth(t, authserver.Options{Clients: map[string]string{"svc": testSecret}})
	c := newClient(t)
	first, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientSecret: Inline(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientSecret: Inline(testSecret),
		Audience: "orders-api", Scopes: []string{"orders.read"}, Resources: []string{"https://orders.example"},
		Grant: &Exchange{SubjectToken: Inline(first.AccessToken), SubjectTokenType: "access_token", RequestedTokenType: "jwt"}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.IssuedTokenType != "urn:ietf:params:oauth:token-type:jwt" || tok.TokenType != "N_A" || tok.AccessToken == first.AccessToken {
		t.Errorf("exchanged token %+v", tok)
	}
	reqs := srv.TokenRequests()
	p := reqs[len(reqs)-1].Params
	want := map[string]string{"grant_type": tokenExchangeGrant, "subject_token": first.AccessToken,
		"subject_token_type": "urn:ietf:params:oauth:token-type:access_token", "requested_token_type": "urn:ietf:params:oauth:token-type:jwt",
		"audience": "orders-api", "scope": "orders.read", "resource": "https://orders.example"}
	for k, v := range want {
		if p.Get(k) != v {
			t.Errorf("%s = %q; want %q", k, p.Get(k), v)
		}
	}
	if r := reqs[len(reqs)-1]; r.AuthMethod != "client_secret_basic" || r.Error != "" {
		t.Errorf("the exchange authenticated as %s (%s)", r.AuthMethod, r.Error)
	}
}

// Google's STS takes the CI platform's identity token with no client
// authentication at all: no client_id, no Authorization header.
func TestTokenExchangeWithoutClientAuthentication(t *testing.T) {
	ci := startCI(t)
	setEnv(t, ci.GitHubEnv())
	srv := startAuth(t, authserver.Options{AnonymousExchange: true,
		Subjects: &authserver.Federation{Issuer: ciserver.GitHubIssuer, Subject: ciserver.GitHubSubject, Audience: gcpAudience, JWKSURL: ci.JWKSURL()}})
	req := TokenRequest{TokenURL: srv.TokenURL(), Audience: gcpAudience, Scopes: []string{"https://www.googleapis.com/auth/cloud-platform"},
		Grant: &Exchange{SubjectIdentity: ciSource{"github_actions", gcpAudience}, RequestedTokenType: "access_token"}}
	if req.chooseAuthMethod(nil) != None {
		t.Fatal("an exchange without client_id should send no client authentication")
	}
	tok, err := newClient(t, realClock).Token(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	r := srv.TokenRequests()[0]
	if r.Error != "" || r.Params.Get("client_id") != "" || r.Header.Get("Authorization") != "" {
		t.Errorf("the exchange carried client authentication or was refused: %q %q", r.Params.Get("client_id"), r.Error)
	}
	if r.Params.Get("subject_token") != ci.Issued()[0] || r.Params.Get("subject_token_type") != "urn:ietf:params:oauth:token-type:jwt" {
		t.Error("the subject token is not the platform's identity token, sent as a jwt")
	}
	if tok.IssuedTokenType != "urn:ietf:params:oauth:token-type:access_token" || tok.TokenType != "Bearer" {
		t.Errorf("issued %+v", tok)
	}
}

func TestTokenExchangeFailures(t *testing.T) {
	srv := startAuth(t, authserver.Options{Clients: map[string]string{"svc": testSecret}})
	c := newClient(t, func(c *Config) { c.NoRetries = true })
	base := TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientSecret: Inline(testSecret)}
	for _, tc := range []struct {
		name string
		x    Exchange
		want []string
	}{
		{"subject the server does not know", Exchange{SubjectToken: Inline("not-a-token-of-theirs"), SubjectTokenType: "access_token"},
			[]string{"token exchange", "HTTP status: 400", "OAuth error: invalid_request"}},
		{"no subject", Exchange{}, []string{"Set exactly one of subject_token, subject_token_file, subject_token_env and workload_identity."}},
		{"actor without a type", Exchange{SubjectToken: Inline("s"), ActorToken: Inline("a")}, []string{"An actor token needs actor_token_type"}},
		{"unset subject variable", Exchange{SubjectToken: Secret{Env: "NO_SUCH_SUBJECT_VAR"}}, []string{"NO_SUCH_SUBJECT_VAR named by subject_token_env is not set"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			x := tc.x
			r.Grant = &x
			_, err := c.Token(context.Background(), r)
			mustFail(t, err, tc.want...)
		})
	}
}

// Two exchanges by one client with different subject tokens never share a
// token, in memory or in the persistent cache.
func TestTokenExchangeSubjectsNeverShare(t *testing.T) {
	srv := startAuth(t, authserver.Options{Clients: map[string]string{"svc": testSecret}})
	store := &memStore{}
	c := newClient(t)
	var subjects []string
	for range 2 {
		tok, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientSecret: Inline(testSecret), NoShare: true})
		if err != nil {
			t.Fatal(err)
		}
		subjects = append(subjects, tok.AccessToken)
	}
	seen := map[string]string{}
	for _, client := range []*Client{newClient(t, func(c *Config) { c.Store = store }), newClient(t, func(c *Config) { c.Store = store })} {
		for _, s := range subjects {
			tok, err := client.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientSecret: Inline(testSecret),
				Grant: &Exchange{SubjectToken: Inline(s), SubjectTokenType: "access_token"}})
			if err != nil {
				t.Fatal(err)
			}
			if prev, ok := seen[s]; ok && prev != tok.AccessToken {
				t.Errorf("the cache did not serve the same subject's exchanged token again")
			}
			seen[s] = tok.AccessToken
		}
	}
	if seen[subjects[0]] == seen[subjects[1]] {
		t.Error("two subject tokens got the same exchanged token")
	}
}

// Two CI jobs on one self-hosted runner share a cache directory: each job's
// exchange is for its own identity, so job B never gets the token job A's
// identity was exchanged for.
func TestWorkloadIdentityExchangeIsNeverSharedThroughTheCache(t *testing.T) {
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"token-for-%x","token_type":"Bearer","expires_in":3600,"issued_token_type":"urn:ietf:params:oauth:token-type:access_token"}`,
			sha256.Sum256([]byte(r.PostForm.Get("subject_token"))))
	})
	store := &memStore{}
	req := TokenRequest{TokenURL: srv.URL, ClientID: "exchanger", ClientSecret: Inline(testSecret),
		Grant: &Exchange{SubjectIdentity: ciSource{"github_actions", gcpAudience}}}
	var got []string
	for _, job := range []string{"a", "b"} {
		ci := startCI(t)
		setEnv(t, ci.GitHubEnv())
		tok, err := newClient(t, realClock, func(c *Config) { c.Store = store }).Token(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if len(ci.Issued()) != 1 {
			t.Fatalf("job %s's identity was fetched %d times: its token came from the cache", job, len(ci.Issued()))
		}
		if want := fmt.Sprintf("token-for-%x", sha256.Sum256([]byte(ci.Issued()[0]))); tok.AccessToken != want {
			t.Errorf("job %s got a token exchanged for another identity", job)
		}
		got = append(got, tok.AccessToken)
	}
	if calls.Load() != 2 || got[0] == got[1] || len(store.saved()) != 0 {
		t.Errorf("%d exchanges for two jobs and %d saved; want 2 and none", calls.Load(), len(store.saved()))
	}
}

// The actor token from a workload identity (delegation, RFC 8693 §1.1): the
// platform's identity token is fetched for the attempt and sent as the
// actor token, typed jwt by default; it is registered with the sanitiser,
// the exchange is never kept across runs, and an exchange for another
// actor identity is not shared with it.
func TestTokenExchangeActorFromWorkloadIdentity(t *testing.T) {
	ci := startCI(t)
	setEnv(t, ci.GitHubEnv())
	srv := startAuth(t, authserver.Options{Clients: map[string]string{"svc": testSecret}})
	store := &memStore{}
	c := newClient(t, realClock, func(c *Config) { c.Store = store })
	first, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientSecret: Inline(testSecret), NoShare: true})
	if err != nil {
		t.Fatal(err)
	}
	exchange := func(audience string) *Token {
		t.Helper()
		tok, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientSecret: Inline(testSecret),
			Grant: &Exchange{SubjectToken: Inline(first.AccessToken), SubjectTokenType: "access_token",
				ActorIdentity: ciSource{"github_actions", audience}}})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tok := exchange("actor-api")
	reqs := srv.TokenRequests()
	r := reqs[len(reqs)-1]
	if r.Error != "" || len(ci.Issued()) != 1 || ci.Requests()[0].Audience != "actor-api" {
		t.Fatalf("refused (%s), or %d identity tokens fetched; want the actor's, for actor-api", r.Error, len(ci.Issued()))
	}
	if r.Params.Get("actor_token") != ci.Issued()[0] || r.Params.Get("actor_token_type") != "urn:ietf:params:oauth:token-type:jwt" {
		t.Errorf("actor_token is not the platform's identity token sent as a jwt: type %q", r.Params.Get("actor_token_type"))
	}
	if r.Params.Get("subject_token") != first.AccessToken {
		t.Error("the subject token is not the one configured")
	}
	// The registry itself, not Sanitize, which redacts any JWT anyway.
	if !c.Redact().Literal().Contains([]byte(ci.Issued()[0])) {
		t.Error("the actor's identity token was not registered with the sanitiser")
	}
	if n := len(store.saved()); n != 0 {
		t.Errorf("%d tokens saved; an exchange whose actor is a workload identity is never kept across runs", n)
	}
	if other := exchange("another-actor-api"); other.AccessToken == tok.AccessToken || len(ci.Issued()) != 2 {
		t.Error("an exchange for another actor identity was served the first one's token")
	}
}

// The actor's workload identity is one form of the actor token, and its
// argument errors name the actor's arguments.
func TestTokenExchangeActorWorkloadIdentityChecks(t *testing.T) {
	srv := startAuth(t, authserver.Options{Clients: map[string]string{"svc": testSecret}})
	c := newClient(t, func(c *Config) { c.NoRetries = true })
	for _, tc := range []struct {
		name    string
		x       Exchange
		arg     string
		wantMsg string
	}{
		{"beside actor_token", Exchange{SubjectToken: Inline("s"), ActorToken: Inline("a"), ActorIdentity: ciSource{"github_actions", "x"}},
			ArgActorWorkloadIdentity, "Set only one of actor_token, actor_token_file, actor_token_env and actor_workload_identity."},
		{"beside actor_token_env", Exchange{SubjectToken: Inline("s"), ActorToken: Secret{Env: "ACTOR"}, ActorIdentity: ciSource{"github_actions", "x"}},
			ArgActorWorkloadIdentity, "Set only one of actor_token, actor_token_file, actor_token_env and actor_workload_identity."},
		{"the source's argument error", Exchange{SubjectToken: Inline("s"), ActorIdentity: refusingSource{}},
			"actor_workload_identity_audience", "The aws identity token needs actor_workload_identity_audience."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := tc.x
			_, err := c.Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "svc", ClientSecret: Inline(testSecret), Grant: &x})
			var ae *ArgError
			if !errors.As(err, &ae) || ae.Arg != tc.arg || ae.Msg != tc.wantMsg {
				t.Fatalf("got %v (%#v); want %s: %s", err, ae, tc.arg, tc.wantMsg)
			}
		})
	}
	if n := len(srv.TokenRequests()); n != 0 {
		t.Errorf("%d requests sent for refused configurations", n)
	}
}

// refusingSource is a source whose Check blames its audience, as a
// platform that needs one does.
type refusingSource struct{ ciSource }

func (refusingSource) Check() error {
	return argErr(ArgWorkloadAudience, "The aws identity token needs workload_identity_audience.")
}
