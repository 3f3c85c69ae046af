// Package authserver is a small OAuth 2.0 authorization server for tests and
// the demo: OpenID and RFC 8414 discovery, a client-credentials token
// endpoint taking form or JSON bodies, RFC 7009 revocation, and a protected
// API that accepts only the tokens it issued. It records what it was sent so
// tests can assert on it. It is not a production server.
package authserver

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options shape the server; the zero value serves an OutSystems-ODC-like
// issuer at the root with 12-hour tokens and form bodies.
type Options struct {
	// Clients maps client IDs to secrets.
	Clients map[string]string
	// IssuerPath is the issuer's path, e.g. "/identity".
	IssuerPath string
	// TokenPath is the token endpoint's path below IssuerPath; "/token" by default.
	TokenPath string
	// JSONOnly makes the token endpoint refuse anything but a JSON body,
	// as Epicollect5 does; FormOnly refuses JSON.
	JSONOnly, FormOnly bool
	// AuthMethods lists the accepted client authentication methods, in the
	// discovery document too; both secret methods by default.
	AuthMethods []string
	// ExpiresIn is the token lifetime in seconds; 43200 (12 h) by default.
	ExpiresIn int64
	// Federated maps client IDs to the federated credential that may
	// authenticate them with another issuer's token, as Entra ID's
	// workload identity federation does.
	Federated map[string]Federation
	// AnonymousExchange accepts token exchanges without client
	// authentication, the subject token standing alone.
	AnonymousExchange bool
	// Subjects verifies JWT subject tokens of an exchange that this server
	// did not issue (a CI platform's, say); a subject token this server
	// issued is always accepted.
	Subjects *Federation
	// JWTAccessTokens issues RFC 9068 JWT access tokens (typ at+jwt,
	// HS256 under a key of the server's own) instead of opaque ones.
	JWTAccessTokens bool
	// IssuerOverride, when set, is published as the document's issuer.
	IssuerOverride string
	// FailFirst answers the first FailFirst authenticated token requests
	// 503, after recording them, to exercise retries; it is shorthand for
	// adding FailFirst to Faults.ServerErrors.
	FailFirst int
	// Latency is added before every answer, to model a remote server.
	Latency time.Duration
	// ClientKeys maps client IDs to the public keys that verify their
	// private_key_jwt (or federated) assertions.
	ClientKeys map[string]crypto.PublicKey
	// ClientCerts maps client IDs to the SHA-256 of their registered mTLS
	// certificates (RFC 8705 tls_client_auth and self-signed alike).
	ClientCerts map[string][32]byte
	// AssertionAudience is the aud assertions must name; the token URL by default.
	AssertionAudience string
	// Now is the server's clock for checking assertion times; time.Now by
	// default. Tests that inject a clock into the provider share it here.
	Now func() time.Time
	// AllowAssertionReuse accepts a jti seen before, as servers do for
	// federated tokens that their issuer hands out for reuse.
	AllowAssertionReuse bool
	// MTLSAliases publishes mtls_endpoint_aliases (RFC 8705 §5) with a
	// token endpoint of its own under /mtls.
	MTLSAliases bool
	// TLS, when set, serves https with this configuration (client
	// certificates are requested, never required, so other methods work too).
	TLS *tls.Config
	// DPoP, when set, issues DPoP-bound tokens to requests with a proof,
	// and its protected API takes them only with proofs.
	DPoP *DPoP
	// EnforceExpiry makes the protected API refuse a token older than
	// ExpiresIn (by Now), as a resource server checks exp.
	EnforceExpiry bool
	// JWTBearer, when set, serves the JWT bearer grant (RFC 7523 §2.1);
	// client authentication is then optional.
	JWTBearer *JWTBearer
	// TokenHandler, when set, answers token requests in place of the
	// server's own logic (after the request is counted), for tests of
	// misbehaving servers.
	TokenHandler http.HandlerFunc
	// Faults are the failures in force from the start; see SetFaults.
	Faults Faults
	// ClientScopes and ClientAudiences, for the clients they name, are the
	// only scopes and audiences those clients may request; other clients
	// may request any.
	ClientScopes, ClientAudiences map[string][]string
	// ScopesSupported is published in the discovery document; "read" and
	// "write" by default.
	ScopesSupported []string
	// Admin serves GET /stats (Stats as JSON) and GET or PUT /faults (the
	// Faults in force) at the root of the server.
	Admin bool
}

// Request is what the token endpoint received, for assertions.
type Request struct {
	Host        string // the Host the client addressed (another one through a proxy)
	Path        string // the endpoint's path: tells the mTLS alias apart
	ContentType string
	AuthMethod  string // how the client authenticated
	ClientID    string
	Assertion   *Assertion // the verified client assertion, for JWT methods
	// Grant is the JWT bearer grant's assertion as verified, or as far as
	// it was before it was refused.
	Grant *GrantClaims
	// RawAssertion is the client assertion as sent, for tests that follow
	// where it came from.
	RawAssertion string
	Error        string     // why the request was refused, if it was
	Params       url.Values // body parameters, client secret removed
	Header       http.Header
}

// Server is a running authorization server.
type Server struct {
	URL    string // base URL, http://127.0.0.1:port
	Issuer string // URL + IssuerPath

	opts     Options
	srv      *http.Server
	listener net.Listener

	mu         sync.Mutex
	tokens     map[string]string // access token -> client id, while valid
	issued     []string          // every token ever issued
	requests   []Request
	discovered int
	revoked    []string
	jtis       map[string]bool
	trusted    map[string]crypto.PublicKey // keys registered by TrustKey
	issuedAt   map[string]time.Time
	apiCalls   int
	dpop       dpopState
	faults     Faults
	stats      Stats
	// issuedTo holds, per client, when its recent tokens were issued (for
	// the rate limit); clientTokens its valid tokens (for RevokeOlder).
	issuedTo     map[string][]time.Time
	clientTokens map[string][]string
}

// Start listens on 127.0.0.1 on a free port and serves until Close.
func Start(opts Options) (*Server, error) {
	return StartOn("127.0.0.1:0", opts)
}

// StartOn listens on addr (host:port; port 0 picks a free one), loopback or
// not: oauthtest.Listen passes any address, such as the token server's
// -addr (which warns beyond loopback). URL and Issuer carry the address
// the listener got.
func StartOn(addr string, opts Options) (*Server, error) {
	if opts.TokenPath == "" {
		opts.TokenPath = "/token"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Faults.ServerErrors += opts.FailFirst
	opts.FailFirst = 0
	dpop := dpopState{nonce: newNonce(), jkts: map[string]string{}}
	if opts.ExpiresIn == 0 {
		opts.ExpiresIn = 43200
	}
	if len(opts.AuthMethods) == 0 {
		opts.AuthMethods = []string{"client_secret_basic", "client_secret_post"}
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, listener: l, tokens: map[string]string{}, jtis: map[string]bool{}, dpop: dpop,
		faults: opts.Faults, stats: Stats{ByClient: map[string]ClientStats{}},
		issuedTo: map[string][]time.Time{}, clientTokens: map[string][]string{}}
	s.URL = "http://" + l.Addr().String()
	if opts.TLS != nil {
		cfg := opts.TLS.Clone()
		if cfg.ClientAuth == tls.NoClientCert {
			cfg.ClientAuth = tls.RequestClientCert
		}
		l = tls.NewListener(l, cfg)
		s.URL = "https://" + l.Addr().String()
	}
	s.Issuer = s.URL + opts.IssuerPath

	mux := http.NewServeMux()
	mux.HandleFunc("GET "+opts.IssuerPath+"/.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server"+opts.IssuerPath, s.discovery)
	mux.HandleFunc("POST "+opts.IssuerPath+opts.TokenPath, s.token)
	mux.HandleFunc("POST "+opts.IssuerPath+"/mtls"+opts.TokenPath, s.token)
	mux.HandleFunc("POST "+opts.IssuerPath+"/revoke", s.revoke)
	mux.HandleFunc("GET /api/whoami", s.whoami)
	if opts.Admin {
		mux.HandleFunc("GET /stats", s.statsHandler)
		mux.HandleFunc("GET /faults", s.faultsHandler)
		mux.HandleFunc("PUT /faults", s.faultsHandler)
	}
	s.srv = &http.Server{Handler: s.delayed(mux), ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go s.srv.Serve(l) //nolint:errcheck // returns on Close
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { _ = s.srv.Close() }

// Shutdown stops the server gracefully: it stops listening, lets requests
// in flight finish, and gives up on them when ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// StatsURL is the stats endpoint's URL (served with Options.Admin).
func (s *Server) StatsURL() string { return s.URL + "/stats" }

// FaultsURL is the faults endpoint's URL (served with Options.Admin).
func (s *Server) FaultsURL() string { return s.URL + "/faults" }

// APIURL is the protected API's URL: it answers 200 with the client id to a
// token the server issued and has not revoked, 401 otherwise.
func (s *Server) APIURL() string { return s.URL + "/api/whoami" }

// TokenURL is the token endpoint's URL.
func (s *Server) TokenURL() string { return s.Issuer + s.opts.TokenPath }

// TokenRequests returns what the token endpoint received, refused requests
// included, oldest first.
func (s *Server) TokenRequests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// DiscoveryRequests counts metadata document fetches.
func (s *Server) DiscoveryRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.discovered
}

// Revoked lists the tokens revoked through the revocation endpoint.
func (s *Server) Revoked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.revoked...)
}

// IssuedTokens lists every token issued, revoked or not, oldest first.
func (s *Server) IssuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// ClientOf returns the client a valid token was issued to, or "".
func (s *Server) ClientOf(token string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[token]
}

// Issued reports whether token is one this server issued and has not revoked.
func (s *Server) Issued(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.tokens[token]
	return ok
}

func (s *Server) delayed(h http.Handler) http.Handler {
	if s.opts.Latency <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(s.opts.Latency)
		h.ServeHTTP(w, r)
	})
}

func (s *Server) discovery(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.discovered++
	s.mu.Unlock()
	issuer := s.Issuer
	if s.opts.IssuerOverride != "" {
		issuer = s.opts.IssuerOverride
	}
	doc := map[string]any{
		"issuer":                                issuer,
		"token_endpoint":                        s.TokenURL(),
		"revocation_endpoint":                   s.Issuer + "/revoke",
		"jwks_uri":                              s.Issuer + "/.well-known/jwks",
		"grant_types_supported":                 []string{"client_credentials"},
		"token_endpoint_auth_methods_supported": s.opts.AuthMethods,
		"scopes_supported":                      s.scopesSupported(),
		"response_types_supported":              []string{"token"},
	}
	if s.opts.MTLSAliases {
		doc["mtls_endpoint_aliases"] = map[string]string{"token_endpoint": s.MTLSTokenURL()}
	}
	writeJSON(w, http.StatusOK, doc)
}

// MTLSTokenURL is the token endpoint published as the mTLS alias.
func (s *Server) MTLSTokenURL() string { return s.Issuer + "/mtls" + s.opts.TokenPath }

func (s *Server) scopesSupported() []string {
	if len(s.opts.ScopesSupported) > 0 {
		return s.opts.ScopesSupported
	}
	return []string{"read", "write"}
}

// statusRecorder remembers the status a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	status int
	fault  bool // the answer is an injected fault
}

func markFault(w http.ResponseWriter) {
	if r, ok := w.(*statusRecorder); ok {
		r.fault = true
	}
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.TokenRequests++
	latency := time.Duration(s.faults.Latency)
	s.mu.Unlock()
	if latency > 0 {
		time.Sleep(latency)
	}
	rw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.answerToken(rw, r)
	s.mu.Lock()
	if rw.status >= 400 && !rw.fault {
		s.stats.Refused++
	}
	s.mu.Unlock()
}

func (s *Server) answerToken(w http.ResponseWriter, r *http.Request) {
	if s.opts.TokenHandler != nil {
		s.mu.Lock()
		s.requests = append(s.requests, Request{ContentType: r.Header.Get("Content-Type"), Header: r.Header.Clone()})
		s.mu.Unlock()
		s.opts.TokenHandler(w, r)
		return
	}
	rec, params, ok := s.readTokenRequest(w, r)
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	cs := s.stats.ByClient[rec.ClientID]
	cs.TokenRequests++
	s.stats.ByClient[rec.ClientID] = cs
	s.mu.Unlock()
	if !ok {
		return
	}
	if s.injectFault(w, rec.ClientID) {
		return
	}
	if !s.checkPolicy(w, rec.ClientID, params.Get("scope"), params.Get("audience")) {
		return
	}
	exchange, bearer := params.Get("grant_type") == tokenExchange, params.Get("grant_type") == jwtBearerGrant
	if !exchange && !bearer && params.Get("grant_type") != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "only client_credentials, token exchange and jwt-bearer are supported")
		return
	}
	var grant *GrantClaims
	if bearer {
		var err error
		grant, err = s.verifyGrant(params)
		s.mu.Lock()
		s.requests[len(s.requests)-1].Grant = grant
		if err != nil {
			s.requests[len(s.requests)-1].Error = err.Error()
		}
		s.mu.Unlock()
		if err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the assertion is not valid: "+err.Error())
			return
		}
	}
	if exchange {
		if err := s.checkSubject(params); err != nil {
			s.mu.Lock()
			s.requests[len(s.requests)-1].Error = err.Error()
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_request", "the subject_token is not valid")
			return
		}
	}
	var jkt string
	if s.opts.DPoP != nil && r.Header.Get("DPoP") != "" {
		var err error
		if jkt, err = s.verifyProof(r.Header.Get("DPoP"), http.MethodPost, s.TokenURL(), ""); err != nil {
			s.mu.Lock()
			s.requests[len(s.requests)-1].Error = err.Error()
			s.mu.Unlock()
			s.dpopRefusal(w, http.StatusBadRequest, err, false)
			return
		}
	}
	tok := randomToken()
	if s.opts.JWTAccessTokens {
		var err error
		if tok, err = s.jwtAccessToken(rec.ClientID, params); err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", "could not sign the token")
			return
		}
	}
	s.mu.Lock()
	s.tokens[tok] = rec.ClientID
	s.issued = append(s.issued, tok)
	if s.issuedAt == nil {
		s.issuedAt = map[string]time.Time{}
	}
	s.issuedAt[tok] = s.opts.Now()
	s.issuedTo[rec.ClientID] = append(s.issuedTo[rec.ClientID], s.opts.Now())
	s.stats.TokensIssued++
	cs = s.stats.ByClient[rec.ClientID]
	cs.TokensIssued++
	s.stats.ByClient[rec.ClientID] = cs
	if s.faults.RevokeOlder {
		for _, old := range s.clientTokens[rec.ClientID] {
			if _, valid := s.tokens[old]; valid {
				delete(s.tokens, old)
				s.stats.RevokedByNewer++
			}
		}
		s.clientTokens[rec.ClientID] = nil
	}
	s.clientTokens[rec.ClientID] = append(s.clientTokens[rec.ClientID], tok)
	s.mu.Unlock()
	resp := map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": s.opts.ExpiresIn}
	if jkt != "" {
		s.mu.Lock()
		s.dpop.jkts[tok] = jkt
		s.mu.Unlock()
		resp["token_type"] = "DPoP"
	}
	if exchange {
		resp["issued_token_type"] = "urn:ietf:params:oauth:token-type:access_token"
		if rt := params.Get("requested_token_type"); rt != "" && rt != resp["issued_token_type"] {
			resp["issued_token_type"], resp["token_type"] = rt, "N_A" // RFC 8693 §2.2.1: not an access token
		}
	}
	if sc := params.Get("scope"); sc != "" {
		resp["scope"] = sc
	}
	if grant != nil {
		s.grantAnswer(resp, grant)
	}
	writeJSON(w, http.StatusOK, resp)
}

// readTokenRequest parses the body, authenticates the client and records the
// request; on failure it has already answered.
func (s *Server) readTokenRequest(w http.ResponseWriter, r *http.Request) (Request, url.Values, bool) {
	rec := Request{Host: r.Host, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Header: r.Header.Clone()}
	rec.Header.Del("Authorization")
	isJSON := strings.Contains(rec.ContentType, "json")
	if (s.opts.JSONOnly && !isJSON) || (s.opts.FormOnly && isJSON) {
		oauthError(w, http.StatusBadRequest, "invalid_request", "unsupported content type "+rec.ContentType)
		return rec, nil, false
	}
	params := url.Values{}
	if isJSON {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", "malformed JSON body")
			return rec, nil, false
		}
		for k, v := range body {
			switch x := v.(type) {
			case string:
				params.Set(k, x)
			case float64: // Epicollect5's own example sends client_id as a number
				params.Set(k, strconv.FormatFloat(x, 'f', -1, 64))
			case []any:
				for _, e := range x {
					if es, ok := e.(string); ok {
						params.Add(k, es)
					}
				}
			}
		}
	} else {
		if err := r.ParseForm(); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", "malformed form body")
			return rec, nil, false
		}
		params = r.PostForm
	}
	rec.RawAssertion = params.Get("client_assertion")
	id, method, assertion, err := s.authenticate(r, params, s.assertionAudience())
	params.Del("client_secret")
	params.Del("client_assertion")
	rec.ClientID, rec.AuthMethod, rec.Params, rec.Assertion = id, method, params, assertion
	if method == "none" && ((s.opts.AnonymousExchange && params.Get("grant_type") == tokenExchange) ||
		(s.opts.JWTBearer != nil && params.Get("grant_type") == jwtBearerGrant)) {
		err = nil // the subject token, or the grant's assertion, authenticates alone
	} else if err == nil && !s.accepts(method) {
		err = errors.New(method + " is not accepted here")
	}
	if err != nil {
		rec.Error = err.Error()
		w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return rec, nil, false
	}
	return rec, params, true
}

// revoke is RFC 7009: a form body, the client authenticated as at the token
// endpoint (an assertion's aud naming this endpoint), and only the client's
// own tokens revoked; an unknown token is answered 200 all the same.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		oauthError(w, http.StatusBadRequest, "invalid_request", "revocation takes a form body")
		return
	}
	id, _, _, err := s.authenticate(r, r.PostForm, s.Issuer+"/revoke")
	if err != nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	tok := r.PostForm.Get("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	if owner, ok := s.tokens[tok]; ok && owner != id {
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "the token was issued to another client")
		return
	}
	delete(s.tokens, tok)
	s.revoked = append(s.revoked, tok)
	w.WriteHeader(http.StatusOK)
}

// APICalls counts the protected API's requests, accepted or not.
func (s *Server) APICalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apiCalls
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	s.mu.Lock()
	jkt, bound := s.dpop.jkts[tok]
	s.mu.Unlock()
	// A bound token goes with the DPoP scheme and a proof by its key; any
	// other with Bearer.
	ok := (scheme == "Bearer" && !bound) || (scheme == "DPoP" && bound)
	if ok && bound {
		got, err := s.verifyProof(r.Header.Get("DPoP"), r.Method, s.URL+r.URL.Path, tok)
		if err == nil && got != jkt {
			err = errors.New("the proof's key is not the one the token is bound to")
		}
		if err != nil {
			s.dpopRefusal(w, http.StatusUnauthorized, err, true)
			return
		}
	}
	s.mu.Lock()
	s.apiCalls++
	client, valid := s.tokens[tok]
	if s.opts.EnforceExpiry && s.opts.Now().Sub(s.issuedAt[tok]) > time.Duration(s.opts.ExpiresIn)*time.Second {
		valid = false
	}
	s.mu.Unlock()
	if !ok || !valid {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"client_id": client, "message": "token accepted"})
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client may have gone
}

// accepts reports whether the server takes a client authentication method;
// a self-signed mTLS client authenticates as tls_client_auth does.
func (s *Server) accepts(method string) bool {
	return slices.Contains(s.opts.AuthMethods, method) ||
		(method == "tls_client_auth" && slices.Contains(s.opts.AuthMethods, "self_signed_tls_client_auth"))
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}
