package oauth

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// AuthMethod is how the client authenticates at the token endpoint
// (OpenID Connect Core §9 names).
type AuthMethod string

const (
	ClientSecretBasic AuthMethod = "client_secret_basic"
	ClientSecretPost  AuthMethod = "client_secret_post"
)

// Body formats of the token request.
const (
	FormatForm = "form" // application/x-www-form-urlencoded, RFC 6749 §4.4.2
	FormatJSON = "json" // a JSON object, as Epicollect5 and others expect
)

// TokenRequest is one client-credentials token request.
type TokenRequest struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	// AuthMethod is the client authentication; ChooseAuthMethod picks one
	// when the user did not.
	AuthMethod AuthMethod
	// Format is FormatForm (default) or FormatJSON; ContentType overrides
	// the Content-Type header that goes with it.
	Format      string
	ContentType string
	Scopes      []string // sent space-joined as "scope"
	Audience    string
	Resources   []string // RFC 8707, one "resource" parameter each
	ExtraParams map[string]string
	Headers     map[string]string
	// NoShare asks for a token of one's own, neither shared with nor kept
	// for other requests: for a token that will be revoked.
	NoShare bool
}

// ChooseAuthMethod returns the method to use when none was configured:
// client_secret_post for a JSON body (everything travels in the body),
// client_secret_post when the server's metadata lists it but not
// client_secret_basic, and client_secret_basic otherwise, the RFC 6749 §2.3.1
// method every server must support.
func ChooseAuthMethod(format string, md *Metadata) AuthMethod {
	if format == FormatJSON {
		return ClientSecretPost
	}
	if md != nil {
		s := md.TokenEndpointAuthMethodsSupported
		if len(s) > 0 && !slices.Contains(s, string(ClientSecretBasic)) && slices.Contains(s, string(ClientSecretPost)) {
			return ClientSecretPost
		}
	}
	return ClientSecretBasic
}

// params are the request's parameters in a stable order; lead comes first
// (the grant type of a token request, the token of a revocation).
func (r *TokenRequest) params(lead [][2]string) [][2]string {
	p := lead
	if r.AuthMethod == ClientSecretPost {
		p = append(p, [2]string{"client_id", r.ClientID}, [2]string{"client_secret", r.ClientSecret})
	}
	if len(r.Scopes) > 0 {
		p = append(p, [2]string{"scope", strings.Join(r.Scopes, " ")})
	}
	if r.Audience != "" {
		p = append(p, [2]string{"audience", r.Audience})
	}
	for _, res := range r.Resources {
		p = append(p, [2]string{"resource", res})
	}
	keys := make([]string, 0, len(r.ExtraParams))
	for k := range r.ExtraParams {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p = append(p, [2]string{k, r.ExtraParams[k]})
	}
	return p
}

// reserved parameters cannot be set through ExtraParams, so that a typo
// cannot silently replace the grant or the credentials.
var reserved = []string{"grant_type", "client_id", "client_secret", "scope", "audience", "resource",
	"client_assertion", "client_assertion_type"}

// validate checks what the server cannot be asked to sort out.
func (r *TokenRequest) validate() error {
	if r.ClientID == "" {
		return fmt.Errorf("client_id is empty")
	}
	switch r.AuthMethod {
	case ClientSecretBasic, ClientSecretPost:
		if r.ClientSecret == "" {
			return fmt.Errorf("auth_method %q needs a client_secret", r.AuthMethod)
		}
	default:
		return fmt.Errorf("unsupported auth_method %q", r.AuthMethod)
	}
	switch r.Format {
	case FormatForm, FormatJSON:
	default:
		return fmt.Errorf("unsupported request_format %q", r.Format)
	}
	for k := range r.ExtraParams {
		if slices.Contains(reserved, k) {
			return fmt.Errorf("extra_params may not set %q; use the attribute of that name", k)
		}
	}
	for k := range r.Headers {
		if ck := http.CanonicalHeaderKey(k); ck == "Authorization" || ck == "Content-Type" || ck == "Content-Length" || ck == "Host" {
			return fmt.Errorf("headers may not set %q; it is derived from auth_method, request_format and content_type", k)
		}
	}
	return nil
}

// encode builds the body and headers of the token request.
func (r *TokenRequest) encode() ([]byte, http.Header, error) {
	return r.encodeBody([][2]string{{"grant_type", "client_credentials"}})
}

// encodeWith builds another request authenticated as this client, such as
// a revocation, with lead as its first parameters.
func (r *TokenRequest) encodeWith(lead map[string]string) ([]byte, http.Header, error) {
	var p [][2]string
	for k, v := range lead {
		p = append(p, [2]string{k, v})
	}
	return r.encodeBody(p)
}

func (r *TokenRequest) encodeBody(lead [][2]string) ([]byte, http.Header, error) {
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	h.Set("Accept", "application/json")
	if r.AuthMethod == ClientSecretBasic {
		// RFC 6749 §2.3.1: each part is form-urlencoded before the Basic encoding.
		h.Set("Authorization", "Basic "+basicCredentials(r.ClientID, r.ClientSecret))
	}
	var body []byte
	contentType := r.ContentType
	switch r.Format {
	case FormatJSON:
		obj := map[string]any{}
		var resources []string
		for _, kv := range r.params(lead) {
			if kv[0] == "resource" {
				resources = append(resources, kv[1])
				continue
			}
			obj[kv[0]] = kv[1]
		}
		switch len(resources) {
		case 0:
		case 1:
			obj["resource"] = resources[0]
		default:
			obj["resource"] = resources
		}
		var err error
		if body, err = json.Marshal(obj); err != nil {
			return nil, nil, err
		}
		if contentType == "" {
			contentType = "application/json"
		}
	default:
		v := url.Values{}
		for _, kv := range r.params(lead) {
			v.Add(kv[0], kv[1])
		}
		body = []byte(v.Encode())
		if contentType == "" {
			contentType = "application/x-www-form-urlencoded"
		}
	}
	h.Set("Content-Type", contentType)
	return body, h, nil
}

func basicCredentials(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
}
