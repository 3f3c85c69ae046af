// Package oauthtest runs a local OAuth 2.0 authorization server for tests,
// in the style of net/http/httptest: Start serves on a free loopback port
// and stops when the test ends.
//
// The server is the one the clientcreds provider's own tests use. It serves
// OpenID Connect and RFC 8414 discovery (under an issuer path such as
// /identity when asked), a token endpoint taking client credentials in a
// form or a JSON body, the client authentication methods the provider
// supports (client_secret_basic, client_secret_post, client_secret_jwt,
// private_key_jwt), token exchange (RFC 8693) of the tokens it issued, the
// JWT bearer grant (RFC 7523) for issuers whose keys it is given, RFC 7009
// revocation, and a protected API that accepts only tokens it issued and has
// not revoked. Faults (429 with Retry-After, 5xx, slow answers, a per-client
// rate limit, each new token revoking the older ones) can be set at start or
// while it runs, and Stats counts what it was asked.
//
// It is a test double, not an identity provider: it keeps everything in
// memory, its tokens are random strings (or HS256 JWTs under a key of its
// own), and it binds loopback unless told otherwise.
//
// The command github.com/clientcreds/terraform-provider-clientcreds/cmd/clientcreds-token-server
// serves the same server outside Go tests.
package oauthtest

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// TB is the part of testing.TB that Start uses; *testing.T and *testing.B
// satisfy it.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Faults are failures the token endpoint produces on demand; see
// Server.SetFaults. Durations read and write JSON as "1.5s" or seconds.
type Faults = authserver.Faults

// Duration is a time.Duration with Faults' JSON form.
type Duration = authserver.Duration

// Stats counts what the server did since it started.
type Stats = authserver.Stats

// ClientStats are one client's counts in Stats.
type ClientStats = authserver.ClientStats

// Body says which token request bodies the server accepts.
type Body string

const (
	// BodyAny accepts form-encoded and JSON bodies (the default).
	BodyAny Body = ""
	// BodyForm accepts only application/x-www-form-urlencoded, as most
	// servers (and OutSystems ODC) do.
	BodyForm Body = "form"
	// BodyJSON accepts only JSON bodies, as Epicollect5 does.
	BodyJSON Body = "json"
)

// Client is a registered client.
type Client struct {
	// ID is the client id; required.
	ID string
	// Secret authenticates the client with client_secret_basic,
	// client_secret_post and client_secret_jwt.
	Secret string
	// PublicKey verifies the client's private_key_jwt assertions (an
	// *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey). A client
	// needs a Secret, a PublicKey or both.
	PublicKey crypto.PublicKey
	// Scopes, when not nil, are the only scopes the client may request
	// (others get invalid_scope); Audiences likewise for the audience
	// parameter (others get invalid_target).
	Scopes, Audiences []string
}

// Options shape the server. The zero value serves one client, "test-client"
// with a random secret, at an issuer at the root of the server, with 12-hour
// tokens and both body formats.
type Options struct {
	// Clients are the registered clients; one "test-client" with a random
	// secret when empty. The first one is Server.ClientID.
	Clients []Client
	// IssuerPath is the issuer's path below the server's URL, e.g.
	// "/identity" for OutSystems ODC's layout; "" by default.
	IssuerPath string
	// TokenLifetime is the tokens' expires_in; 12 hours by default.
	TokenLifetime time.Duration
	// Body limits the token request bodies accepted; both by default.
	Body Body
	// AuthMethods are the accepted client authentication methods, also
	// published in discovery; client_secret_basic and client_secret_post
	// by default (add client_secret_jwt and private_key_jwt to take
	// assertions).
	AuthMethods []string
	// Scopes is the discovery document's scopes_supported; read and write
	// by default. Which scopes a client may request is Client.Scopes.
	Scopes []string
	// JWTAccessTokens issues RFC 9068 JWT access tokens instead of opaque
	// random ones.
	JWTAccessTokens bool
	// JWTBearerIssuers, when not empty, serves the JWT bearer grant: it
	// maps the assertion issuers accepted to the keys that verify them.
	JWTBearerIssuers map[string]crypto.PublicKey
	// Faults are in force from the start.
	Faults Faults
	// Admin serves GET /stats and GET or PUT /faults at the server's root.
	Admin bool
	// Now is the server's clock (assertion lifetimes, the rate limit);
	// time.Now by default. Share a test's fixed clock here.
	Now func() time.Time
}

// Server is a running authorization server.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL string
	// Issuer is URL followed by Options.IssuerPath.
	Issuer string
	// ClientID and ClientSecret are the first registered client's.
	ClientID, ClientSecret string

	srv   *authserver.Server
	admin bool
}

// Start serves on a free port of 127.0.0.1 until the test ends; it fails the
// test when the options are invalid.
func Start(t TB, opts Options) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0", opts)
	if err != nil {
		t.Fatalf("oauthtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Listen serves on addr (host:port; port 0 picks a free one) until Close or
// Shutdown. Any address is accepted: binding beyond loopback exposes the
// server's clients to the network, which is the caller's decision.
func Listen(addr string, opts Options) (*Server, error) {
	ao, first, err := engineOptions(opts)
	if err != nil {
		return nil, err
	}
	srv, err := authserver.StartOn(addr, ao)
	if err != nil {
		return nil, err
	}
	return &Server{URL: srv.URL, Issuer: srv.Issuer, ClientID: first.ID, ClientSecret: first.Secret, srv: srv, admin: opts.Admin}, nil
}

// Validate reports the first problem with opts, naming the field, or nil.
func (opts Options) Validate() error {
	_, _, err := engineOptions(opts)
	return err
}

func engineOptions(opts Options) (authserver.Options, Client, error) {
	clients := opts.Clients
	if len(clients) == 0 {
		clients = []Client{{ID: "test-client", Secret: randomSecret()}}
	}
	ao := authserver.Options{
		Clients:         map[string]string{},
		ClientKeys:      map[string]crypto.PublicKey{},
		ClientScopes:    map[string][]string{},
		ClientAudiences: map[string][]string{},
		IssuerPath:      strings.TrimSuffix(opts.IssuerPath, "/"),
		JSONOnly:        opts.Body == BodyJSON,
		FormOnly:        opts.Body == BodyForm,
		AuthMethods:     opts.AuthMethods,
		ScopesSupported: opts.Scopes,
		JWTAccessTokens: opts.JWTAccessTokens,
		Faults:          opts.Faults,
		Admin:           opts.Admin,
		Now:             opts.Now,
	}
	switch opts.Body {
	case BodyAny, BodyForm, BodyJSON:
	default:
		return ao, Client{}, fmt.Errorf("Body %q: want %q, %q or empty", opts.Body, BodyForm, BodyJSON)
	}
	if p := ao.IssuerPath; p != "" && (!strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#{} ")) {
		return ao, Client{}, fmt.Errorf("IssuerPath %q: want a path such as /identity", opts.IssuerPath)
	}
	if opts.TokenLifetime < 0 || (opts.TokenLifetime > 0 && opts.TokenLifetime < time.Second) {
		return ao, Client{}, fmt.Errorf("TokenLifetime %v: want at least a second", opts.TokenLifetime)
	}
	ao.ExpiresIn = int64(opts.TokenLifetime / time.Second)
	for i, c := range clients {
		field := fmt.Sprintf("Clients[%d]", i)
		switch {
		case c.ID == "":
			return ao, Client{}, fmt.Errorf("%s: no ID", field)
		case c.Secret == "" && c.PublicKey == nil:
			return ao, Client{}, fmt.Errorf("%s (%q): needs a Secret or a PublicKey", field, c.ID)
		}
		if _, dup := ao.Clients[c.ID]; dup {
			return ao, Client{}, fmt.Errorf("%s: client %q registered twice", field, c.ID)
		}
		ao.Clients[c.ID] = c.Secret
		if c.PublicKey != nil {
			ao.ClientKeys[c.ID] = c.PublicKey
		}
		if c.Scopes != nil {
			ao.ClientScopes[c.ID] = c.Scopes
		}
		if c.Audiences != nil {
			ao.ClientAudiences[c.ID] = c.Audiences
		}
	}
	if len(opts.JWTBearerIssuers) > 0 {
		ao.JWTBearer = &authserver.JWTBearer{Keys: opts.JWTBearerIssuers}
	}
	return ao, clients[0], nil
}

func randomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TokenURL is the token endpoint.
func (s *Server) TokenURL() string { return s.srv.TokenURL() }

// DiscoveryURL is the OpenID Connect discovery document's URL.
func (s *Server) DiscoveryURL() string { return s.Issuer + "/.well-known/openid-configuration" }

// RevocationURL is the RFC 7009 revocation endpoint.
func (s *Server) RevocationURL() string { return s.Issuer + "/revoke" }

// APIURL is the protected API: GET with "Authorization: Bearer TOKEN"
// answers 200 and the client id for a token the server issued and has not
// revoked, 401 otherwise.
func (s *Server) APIURL() string { return s.srv.APIURL() }

// StatsURL serves Stats as JSON when Options.Admin is set.
func (s *Server) StatsURL() string { return s.srv.StatsURL() }

// FaultsURL shows (GET) and replaces (PUT, Faults as JSON) the faults in
// force when Options.Admin is set.
func (s *Server) FaultsURL() string { return s.srv.FaultsURL() }

// Stats returns the server's counts.
func (s *Server) Stats() Stats { return s.srv.Stats() }

// SetFaults replaces the faults in force.
func (s *Server) SetFaults(f Faults) { s.srv.SetFaults(f) }

// Faults returns the faults in force, with the failures still to come.
func (s *Server) Faults() Faults { return s.srv.CurrentFaults() }

// Issued reports whether token is one the server issued and has not revoked.
func (s *Server) Issued(token string) bool { return s.srv.Issued(token) }

// ClientOf returns the client a valid token was issued to, or "".
func (s *Server) ClientOf(token string) string { return s.srv.ClientOf(token) }

// Close stops the server at once.
func (s *Server) Close() { s.srv.Close() }

// Shutdown stops the server gracefully, giving requests in flight until ctx
// ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Env returns the server's coordinates as environment variables, in a fixed
// order: CLIENTCREDS_ISSUER, CLIENTCREDS_TOKEN_URL,
// CLIENTCREDS_DISCOVERY_URL, CLIENTCREDS_API_URL, CLIENTCREDS_CLIENT_ID and
// CLIENTCREDS_CLIENT_SECRET (the first client's; absent when it has only a
// key), and CLIENTCREDS_STATS_URL with Options.Admin.
func (s *Server) Env() [][2]string {
	env := [][2]string{
		{"CLIENTCREDS_ISSUER", s.Issuer},
		{"CLIENTCREDS_TOKEN_URL", s.TokenURL()},
		{"CLIENTCREDS_DISCOVERY_URL", s.DiscoveryURL()},
		{"CLIENTCREDS_API_URL", s.APIURL()},
		{"CLIENTCREDS_CLIENT_ID", s.ClientID},
	}
	if s.ClientSecret != "" {
		env = append(env, [2]string{"CLIENTCREDS_CLIENT_SECRET", s.ClientSecret})
	}
	if s.admin {
		env = append(env, [2]string{"CLIENTCREDS_STATS_URL", s.StatsURL()})
	}
	return env
}
