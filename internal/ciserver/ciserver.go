// Package ciserver plays, on 127.0.0.1, the identity token endpoints of the
// CI platforms workload_identity reads, as their public documentation
// describes them, for tests:
//
//   - GitHub Actions: GET $ACTIONS_ID_TOKEN_REQUEST_URL (a URL with a query)
//     with "&audience=", "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN";
//     answers {"count":N,"value":"<jwt>"}, 401 (the Authorization header echoed) for a wrong request token.
//   - Azure Pipelines: POST $SYSTEM_OIDCREQUESTURI?api-version=7.1&serviceConnectionId=ID,
//     "Authorization: Bearer $SYSTEM_ACCESSTOKEN", JSON content type;
//     answers {"oidcToken":"<jwt>"}, 401 for a wrong token, 400 without an ID.
//   - Azure App Service / Functions managed identity: GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=R
//     (&client_id= for a user-assigned identity) with "X-IDENTITY-HEADER: $IDENTITY_HEADER" (401, the header echoed, without);
//     answers {"access_token": "<jwt>", "expires_on": "<epoch>", "resource": R, "token_type": "Bearer"}.
//   - AWS STS GetWebIdentityToken: a SigV4-signed form POST to $AWS_ENDPOINT_URL_STS
//     (Action=GetWebIdentityToken, Audience.member.1, SigningAlgorithm, DurationSeconds);
//     answers the XML document with WebIdentityToken, SignatureDoesNotMatch for a bad signature.
//   - AWS container credentials (ECS, EKS Pod Identity): GET $AWS_CONTAINER_CREDENTIALS_FULL_URI with
//     "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN"; answers the key as JSON, 401 (the header echoed) for a wrong token.
//   - GCP metadata server: GET /computeMetadata/v1/instance/service-accounts/default/identity?audience=A&format=full
//     with "Metadata-Flavor: Google" (403 without); answers the JWT as text.
//
// Tokens are ES256 JWTs signed by a key published at /jwks, with each
// platform's issuer and subject shapes. The platforms that hand a job its
// token in a variable or through a command line tool (HCP Terraform,
// CircleCI, Buildkite) are played with Sign and FakeCLI.
package ciserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

// Issuers and subjects of the tokens, as the platforms write them.
const (
	GitHubIssuer  = "https://token.actions.githubusercontent.com"
	GitHubSubject = "repo:octo-org/octo-repo:ref:refs/heads/main"
	GitHubDefault = "https://github.com/octo-org" // GitHub's default audience
	AzureIssuer   = "https://vstoken.dev.azure.com/00000000-0000-0000-0000-000000000001"
	AzureAudience = "api://AzureADTokenExchange"
	GoogleIssuer  = "https://accounts.google.com"
	GoogleSubject = "109876543210987654321"
	RequestToken  = "ci-request-token-Kx8wQ2vR7tY1"
	// HCP Terraform, CircleCI and Buildkite, as their docs show them.
	HCPIssuer        = "https://app.terraform.io"
	HCPSubject       = "organization:octo-org:project:Default Project:workspace:infra:run_phase:plan"
	CircleIssuer     = "https://oidc.circleci.com/org/6f1c2d3e-0000-4000-8000-00000000c1c1"
	CircleSubject    = "org/6f1c2d3e-0000-4000-8000-00000000c1c1/project/7a2b3c4d-0000-4000-8000-00000000c1c2/user/8b3c4d5e-0000-4000-8000-00000000c1c3"
	BuildkiteIssuer  = "https://agent.buildkite.com"
	BuildkiteSubject = "organization:octo-org:pipeline:infra:ref:refs/heads/main:commit:0123456789abcdef:step:plan"
	AgentToken       = "bkagent-access-token-Pq7rS8tU9vW0"
	// An Azure managed identity, as Entra ID issues its tokens.
	ManagedIdentityIssuer  = "https://login.microsoftonline.com/00000000-0000-0000-0000-00000000a2a2/v2.0"
	ManagedIdentitySubject = "5b1d7c2e-0000-4000-8000-00000000a2a3" // the identity's object (principal) ID
	IdentityHeader         = "app-service-identity-header-Hj4kL5mN6"
	SystemToken            = "ado-system-token-Lm3nB6vC9xZ2"
)

// AzureSubject is the subject of a token for service connection id.
func AzureSubject(connection string) string { return "sc://octo-org/octo-project/" + connection }

// Request is what the server saw of one identity token request.
type Request struct {
	Platform, Method, Path, Audience, Connection, Auth, Flavor, ContentType string
	ClientID                                                                string
}

// PlatformVariables are the environment variables workload identity's
// platforms and auto-detection read: a test that plays one platform clears
// the others, since the machine running it may be a CI job itself.
var PlatformVariables = []string{"GITHUB_ACTIONS", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "TF_BUILD",
	"SYSTEM_OIDCREQUESTURI", "SYSTEM_ACCESSTOKEN", "TFC_WORKLOAD_IDENTITY_TOKEN", "TFC_WORKLOAD_IDENTITY_TOKEN_AZURE", "CIRCLECI",
	"CIRCLE_OIDC_TOKEN_V2", "BUILDKITE", "BUILDKITE_AGENT_ACCESS_TOKEN", "GCE_METADATA_HOST", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
	"MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT", "IDENTITY_SERVER_THUMBPRINT", "SPIFFE_ENDPOINT_SOCKET", "AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_LAMBDA_FUNCTION_NAME", "CODEBUILD_BUILD_ID"}

// String is the request as a failing test prints it (%v, %+v): Auth, a
// credential the platform's client sent, is only said to be there.
func (r Request) String() string {
	auth := ""
	if r.Auth != "" {
		auth = "(set)"
	}
	return fmt.Sprintf("{Platform:%s Method:%s Path:%s Audience:%s Connection:%s Auth:%s Flavor:%s ContentType:%s ClientID:%s}",
		r.Platform, r.Method, r.Path, r.Audience, r.Connection, auth, r.Flavor, r.ContentType, r.ClientID)
}

// Options change the answers, for the failure cases.
type Options struct {
	// Handler, when set, answers every request instead (hostile cases).
	Handler http.HandlerFunc
	// Lifetime of the tokens; 5 minutes by default.
	Lifetime time.Duration
}

// Server is a running identity server.
type Server struct {
	URL  string
	srv  *httptest.Server
	key  *ecdsa.PrivateKey
	opts Options

	requests testhelp.Log[Request]
	issued   testhelp.Log[string]
}

// StartT is Start for a test: an error fails it, and the server closes
// when it ends.
func StartT(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start runs a server on 127.0.0.1.
func Start(opts Options) (*Server, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if opts.Lifetime == 0 {
		opts.Lifetime = 5 * time.Minute
	}
	s := &Server{key: key, opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks", s.jwks)
	mux.HandleFunc("GET /github/idtoken", s.github)
	mux.HandleFunc("POST /azure/oidctoken", s.azure)
	mux.HandleFunc("GET /msi/token", s.appService)
	mux.HandleFunc("POST /sts/", s.sts)
	mux.HandleFunc("GET "+awsContainerPath, s.container)
	mux.HandleFunc("GET /computeMetadata/v1/instance/service-accounts/default/identity", s.gcp)
	var h http.Handler = mux
	if opts.Handler != nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.record(Request{Platform: "any", Method: r.Method, Path: r.URL.Path})
			opts.Handler(w, r)
		})
	}
	s.srv = httptest.NewServer(h)
	s.URL = s.srv.URL
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// GitHubEnv is the environment GitHub Actions gives a job with
// id-token: write.
func (s *Server) GitHubEnv() []string {
	return []string{"ACTIONS_ID_TOKEN_REQUEST_URL=" + s.URL + "/github/idtoken?api-version=2.0", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=" + RequestToken}
}

// AzureEnv is the environment of an Azure Pipelines task that maps
// System.AccessToken and runs with a service connection.
func (s *Server) AzureEnv(connection string) []string {
	return []string{"SYSTEM_OIDCREQUESTURI=" + s.URL + "/azure/oidctoken", "SYSTEM_ACCESSTOKEN=" + SystemToken,
		"AZURESUBSCRIPTION_SERVICE_CONNECTION_ID=" + connection}
}

// GCPEnv points the metadata client at this server.
func (s *Server) GCPEnv() []string {
	return []string{"GCE_METADATA_HOST=" + s.srv.Listener.Addr().String()}
}

// AppServiceEnv is the environment App Service and Functions give an app
// with a managed identity.
func (s *Server) AppServiceEnv() []string {
	return []string{"IDENTITY_ENDPOINT=" + s.URL + "/msi/token", "IDENTITY_HEADER=" + IdentityHeader}
}

// JWKSURL is where the signing key is published.
func (s *Server) JWKSURL() string { return s.URL + "/jwks" }

// Requests lists the identity token requests received.
func (s *Server) Requests() []Request { return s.requests.All() }

// Issued lists the identity tokens issued.
func (s *Server) Issued() []string { return s.issued.All() }

func (s *Server) record(r Request) { s.requests.Add(r) }

func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: s.key.Public(), KeyID: "ci-key-1", Algorithm: "ES256", Use: "sig"}}})
}

func (s *Server) github(w http.ResponseWriter, r *http.Request) {
	aud := r.URL.Query().Get("audience")
	s.record(Request{Platform: "github_actions", Method: r.Method, Path: r.URL.Path, Audience: aud, Auth: r.Header.Get("Authorization")})
	if r.Header.Get("Authorization") != "bearer "+RequestToken || r.URL.Query().Get("api-version") != "2.0" {
		// The header echoed, as a careless proxy might.
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthorized: " + r.Header.Get("Authorization")})
		return
	}
	if aud == "" {
		aud = GitHubDefault
	}
	s.issue(w, GitHubIssuer, GitHubSubject, aud, func(t string) any { return map[string]any{"count": 1764, "value": t} })
}

func (s *Server) azure(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.record(Request{Platform: "azure_pipelines", Method: r.Method, Path: r.URL.Path, Connection: q.Get("serviceConnectionId"),
		Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type")})
	switch {
	case r.Header.Get("Authorization") != "Bearer "+SystemToken:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "TF400813: The user is not authorized to access this resource."})
	case q.Get("api-version") != "7.1" || q.Get("serviceConnectionId") == "" || r.Header.Get("Content-Type") != "application/json":
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "serviceConnectionId and api-version are required"})
	default:
		s.issue(w, AzureIssuer, AzureSubject(q.Get("serviceConnectionId")), AzureAudience, func(t string) any { return map[string]string{"oidcToken": t} })
	}
}

func (s *Server) gcp(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.record(Request{Platform: "gcp_metadata", Method: r.Method, Path: r.URL.Path, Audience: q.Get("audience"), Flavor: r.Header.Get("Metadata-Flavor")})
	switch {
	case r.Header.Get("Metadata-Flavor") != "Google":
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprint(w, "Missing required header: Metadata-Flavor")
	case q.Get("audience") == "":
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprint(w, "non-empty audience parameter required")
	default:
		tok, err := s.sign(GoogleIssuer, GoogleSubject, q.Get("audience"))
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8") // as the metadata server labels it
		_, _ = fmt.Fprint(w, tok)
	}
}

func (s *Server) appService(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.record(Request{Platform: "azure_managed_identity", Method: r.Method, Path: r.URL.Path, Audience: q.Get("resource"),
		ClientID: q.Get("client_id"), Auth: r.Header.Get("X-IDENTITY-HEADER")})
	switch {
	case r.Header.Get("X-IDENTITY-HEADER") != IdentityHeader:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_request", // the header echoed, as a careless proxy might
			"error_description": "X-IDENTITY-HEADER " + r.Header.Get("X-IDENTITY-HEADER") + " is missing or wrong"})
	case q.Get("api-version") != "2019-08-01" || q.Get("resource") == "":
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "api-version and resource are required"})
	default:
		tok, err := s.sign(ManagedIdentityIssuer, ManagedIdentitySubject, q.Get("resource"))
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"access_token": tok, "token_type": "Bearer", "resource": q.Get("resource"),
			"expires_on": fmt.Sprint(time.Now().Add(s.opts.Lifetime).Unix()), "client_id": q.Get("client_id")})
	}
}

func (s *Server) issue(w http.ResponseWriter, iss, sub, aud string, wrap func(string) any) {
	tok, err := s.sign(iss, sub, aud)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, wrap(tok))
}

// Sign issues a token as a platform would, recorded in Issued.
func (s *Server) Sign(iss, sub, aud string) (string, error) { return s.sign(iss, sub, aud) }

// FakeCLI writes an executable name into dir that records its arguments,
// one a line, in dir/name.args, writes stderr to its standard error and
// stdout to its standard output, and exits with exit: a platform's command
// line tool, for a PATH that starts with dir.
func FakeCLI(dir, name, stdout, stderr string, exit int) error {
	for _, f := range []struct{ name, text string }{{name + ".out", stdout}, {name + ".err", stderr}} {
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.text), 0o600); err != nil {
			return err
		}
	}
	script := fmt.Sprintf("#!/bin/sh\nd=%q\nprintf '%%s\\n' \"$@\" > \"$d/%s.args\"\ncat \"$d/%s.err\" >&2\ncat \"$d/%s.out\"\nexit %d\n",
		dir, name, name, name, exit)
	return os.WriteFile(filepath.Join(dir, name), []byte(script), 0o700)
}

// FakeCLIArgs is what the fake named name was last run with.
func FakeCLIArgs(dir, name string) []string {
	b, err := os.ReadFile(filepath.Join(dir, name+".args"))
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func (s *Server) sign(iss, sub, aud string) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: s.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "ci-key-1"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	jti := make([]byte, 12)
	_, _ = rand.Read(jti)
	tok, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: iss, Subject: sub, Audience: jwt.Audience{aud}, ID: fmt.Sprintf("%x", jti),
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(s.opts.Lifetime))}).Serialize()
	if err == nil {
		s.issued.Add(tok)
	}
	return tok, err
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
