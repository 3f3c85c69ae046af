package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// Well-known document names (OpenID Connect Discovery 1.0 §4, RFC 8414 §3).
const (
	WellKnownOpenID = "openid-configuration"
	WellKnownOAuth  = "oauth-authorization-server"
)

// DiscoveryRequest names the metadata document to fetch: Issuer, from which
// the well-known URL is derived, or an explicit DiscoveryURL (or both, when
// the document lives elsewhere but the issuer should still be checked).
type DiscoveryRequest struct {
	Issuer          string
	DiscoveryURL    string
	WellKnown       string // WellKnownOpenID (default) or WellKnownOAuth
	SkipIssuerCheck bool   // for multi-tenant issuers whose document names a template
}

// Metadata is an authorization server's metadata document.
type Metadata struct {
	Issuer                                     string            `json:"issuer"`
	AuthorizationEndpoint                      string            `json:"authorization_endpoint"`
	TokenEndpoint                              string            `json:"token_endpoint"`
	UserinfoEndpoint                           string            `json:"userinfo_endpoint"`
	JWKSURI                                    string            `json:"jwks_uri"`
	RegistrationEndpoint                       string            `json:"registration_endpoint"`
	RevocationEndpoint                         string            `json:"revocation_endpoint"`
	IntrospectionEndpoint                      string            `json:"introspection_endpoint"`
	DeviceAuthorizationEndpoint                string            `json:"device_authorization_endpoint"`
	EndSessionEndpoint                         string            `json:"end_session_endpoint"`
	PushedAuthorizationRequestEndpoint         string            `json:"pushed_authorization_request_endpoint"`
	ScopesSupported                            []string          `json:"scopes_supported"`
	ResponseTypesSupported                     []string          `json:"response_types_supported"`
	ResponseModesSupported                     []string          `json:"response_modes_supported"`
	GrantTypesSupported                        []string          `json:"grant_types_supported"`
	SubjectTypesSupported                      []string          `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported           []string          `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported          []string          `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgValuesSupported []string          `json:"token_endpoint_auth_signing_alg_values_supported"`
	RevocationEndpointAuthMethodsSupported     []string          `json:"revocation_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethodsSupported  []string          `json:"introspection_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported              []string          `json:"code_challenge_methods_supported"`
	ClaimsSupported                            []string          `json:"claims_supported"`
	MTLSEndpointAliases                        map[string]string `json:"mtls_endpoint_aliases"`

	// DiscoveryURL is where the document was fetched; Raw is its text.
	DiscoveryURL string `json:"-"`
	Raw          string `json:"-"`
}

// DiscoveryURL derives the metadata URL of an issuer. The OpenID form appends
// the well-known suffix to the issuer's path (so /identity becomes
// /identity/.well-known/openid-configuration); RFC 8414 §3.1 inserts it
// between host and path (/.well-known/oauth-authorization-server/identity).
func DiscoveryURL(issuer, wellKnown string) (string, error) {
	u, err := url.Parse(issuer)
	if err != nil {
		return "", fmt.Errorf("issuer %q is not a valid URL: %s", redact.URL(issuer), urlProblem(err))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("issuer %q must not have a query or fragment", redact.URL(issuer))
	}
	path := strings.TrimSuffix(u.Path, "/")
	switch wellKnown {
	case "", WellKnownOpenID:
		u.Path = path + "/.well-known/" + WellKnownOpenID
	case WellKnownOAuth:
		u.Path = "/.well-known/" + WellKnownOAuth + path
	default:
		return "", fmt.Errorf("unknown well-known document %q", wellKnown)
	}
	u.RawPath = ""
	return u.String(), nil
}

const discoveryFailed = "Discovery Failed"

// Discover fetches, parses and validates a metadata document.
func (c *Client) Discover(ctx context.Context, req DiscoveryRequest) (*Metadata, error) {
	o := c.op(discoveryFailed, "discovery")
	target := req.DiscoveryURL
	if target == "" {
		if req.Issuer == "" {
			return nil, o.fail("neither issuer nor discovery_url is set", nil)
		}
		var err error
		if _, err = c.checkDiscoveryURL("issuer", req.Issuer); err == nil {
			target, err = DiscoveryURL(req.Issuer, req.WellKnown)
		}
		if err != nil {
			return nil, o.failWith(err)
		}
	}
	u, err := c.checkDiscoveryURL("discovery URL", target)
	if err != nil {
		return nil, o.failWith(err)
	}
	o.action = "GET " + redactURL(u)
	// One issuer is discovered once per provider process, however many
	// data sources ask.
	key := fmt.Sprintf("%s\x00%s\x00%t", u.String(), req.Issuer, req.SkipIssuerCheck)
	md, _, err := c.metadata.get(ctx, key, func(*Metadata) bool { return true }, func() (*Metadata, error) {
		return c.fetchMetadata(context.WithoutCancel(ctx), u, req, o)
	})
	if err != nil {
		return nil, cancelled(err, o)
	}
	c.publish(md)
	return md, nil
}

func (c *Client) fetchMetadata(ctx context.Context, u *url.URL, req DiscoveryRequest, o op) (*Metadata, error) {
	h := http.Header{}
	h.Set("Accept", "application/json")
	ans, err := c.send(ctx, c.anonymous, http.MethodGet, u.String(), nil, h, o)
	if err != nil {
		return nil, err
	}
	if ans.status != http.StatusOK {
		e := o.answerFailed(ans, "the server did not return the metadata document", true)
		if ans.status == http.StatusNotFound {
			e.Hint = "Check the issuer: the document is expected at " + redactURL(u) + ". " +
				"If the server publishes it elsewhere, set discovery_url; RFC 8414 servers may need well_known = \"oauth-authorization-server\"."
		}
		return nil, e
	}
	md, err := parseMetadata(ans.body)
	if err != nil {
		e := o.answerFailed(ans, err.Error(), true)
		e.Err = err
		return nil, e
	}
	md.DiscoveryURL = ans.url // after the same-origin redirects followed
	if err := c.validateMetadata(md, req); err != nil {
		e := o.failWith(err)
		var me *mismatchError
		if errors.As(err, &me) {
			e.Hint = me.hint
		}
		return nil, e
	}
	return md, nil
}

func parseMetadata(body []byte) (*Metadata, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, errors.New("the metadata document is empty")
	}
	if trimmed[0] != '{' {
		return nil, errors.New("the metadata document is not a JSON object")
	}
	md := &Metadata{}
	if err := json.Unmarshal(trimmed, md); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, fmt.Errorf("the metadata field %q holds a JSON %s where the standard requires %s", te.Field, te.Value, jsonKind(te.Type.Kind().String()))
		}
		return nil, fmt.Errorf("the metadata document is not valid JSON: %v", err)
	}
	md.Raw = string(trimmed)
	return md, nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "slice":
		return "an array of strings"
	case "map":
		return "an object of strings"
	default:
		return "a " + goKind
	}
}

// mismatchError is a validation failure that comes with a hint.
type mismatchError struct{ msg, hint string }

func (m *mismatchError) Error() string { return m.msg }

func (c *Client) validateMetadata(md *Metadata, req DiscoveryRequest) error {
	if !req.SkipIssuerCheck {
		switch {
		case md.Issuer == "":
			return &mismatchError{"the metadata document has no issuer",
				"Set skip_issuer_check = true only if you trust this document's location."}
		case req.Issuer != "" && md.Issuer != req.Issuer:
			if strings.TrimRight(md.Issuer, "/") == strings.TrimRight(req.Issuer, "/") {
				return &mismatchError{
					fmt.Sprintf("the document's issuer %q differs from the requested %q only by a trailing slash", quoteable(md.Issuer), redact.URL(req.Issuer)),
					fmt.Sprintf("Issuers are compared exactly (OpenID Connect Discovery §4.3, RFC 8414 §3.3): set issuer = %q.", quoteable(md.Issuer))}
			}
			return &mismatchError{
				fmt.Sprintf("the document's issuer %q does not match the requested issuer %q", quoteable(md.Issuer), redact.URL(req.Issuer)),
				"A document for another issuer may be an impostor's. Multi-tenant servers (Microsoft Entra ID's " +
					"common endpoint, for one) publish a templated issuer: set skip_issuer_check = true for those."}
		}
	}
	if md.TokenEndpoint == "" {
		return errors.New("the metadata document has no token_endpoint")
	}
	if _, err := c.checkURLPolicy("token_endpoint", md.TokenEndpoint); err != nil {
		return err
	}
	return nil
}

// quoteable is a document's value cut to fit a message; the message is
// sanitised when it is shown.
func quoteable(s string) string { return cut(s, 200) }

// MTLSAlias returns the mtls_endpoint_aliases entry for an endpoint, or ""
// (also on a nil Metadata).
func (md *Metadata) MTLSAlias(endpoint string) string {
	if md == nil {
		return ""
	}
	return md.MTLSEndpointAliases[endpoint]
}
