package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// Platform is a CI or cloud platform that hands a job a short-lived OIDC
// identity token, which identity providers accept as a client assertion
// (workload identity federation) in place of a client secret.
type Platform string

const (
	GitHubActions  Platform = "github_actions"
	AzurePipelines Platform = "azure_pipelines"
	GCPMetadata    Platform = "gcp_metadata"
)

// Platforms lists the platforms IdentityToken can fetch from.
func Platforms() []string {
	return []string{string(GitHubActions), string(AzurePipelines), string(GCPMetadata)}
}

// IdentitySource says where to fetch an identity token.
type IdentitySource struct {
	Platform Platform
	// Audience is the aud requested (Entra ID expects
	// api://AzureADTokenExchange); GitHub's default when empty, required
	// for gcp_metadata, fixed by Azure DevOps for azure_pipelines.
	Audience string
	// ServiceConnectionID names the Azure DevOps service connection; the
	// AZURESUBSCRIPTION_SERVICE_CONNECTION_ID variable when empty.
	ServiceConnectionID string
}

// Check refuses a source that cannot work whatever the environment.
func (s IdentitySource) Check() error {
	switch s.Platform {
	case GitHubActions:
	case AzurePipelines:
		if s.Audience != "" {
			return argErr(ArgWorkloadAudience, "Azure Pipelines issues its OIDC tokens for the audience api://AzureADTokenExchange only; remove workload_identity_audience.")
		}
	case GCPMetadata:
		if s.Audience == "" {
			return argErr(ArgWorkloadAudience, "The gcp_metadata identity token needs workload_identity_audience: the metadata server has no default audience.")
		}
	default:
		return argErr(ArgWorkloadIdentity, "The workload_identity %q is not supported; use one of %s.", s.Platform, strings.Join(Platforms(), ", "))
	}
	if s.ServiceConnectionID != "" && s.Platform != AzurePipelines {
		return argErr(ArgWorkloadConnection, "The workload_identity_service_connection_id is used only by azure_pipelines.")
	}
	return nil
}

const identityFailed = "Identity Token Request Failed"

// IdentityToken fetches a fresh identity token from the platform, through
// the same transport as every request (size cap, timeouts, retries on
// connection errors and 5xx), never following a redirect, since the
// request carries the platform's request token.
func (c *Client) IdentityToken(ctx context.Context, src IdentitySource) (string, error) {
	o := c.op(identityFailed, "identity token from "+string(src.Platform))
	if err := src.Check(); err != nil {
		return "", o.failWith(err)
	}
	var (
		method, target string
		header         = http.Header{}
		attempt        attemptFunc
		field          string // the JSON member holding the token; "" for a text answer
		hc             = c.credentialed
	)
	switch src.Platform {
	case GitHubActions:
		reqURL, reqToken, err := needEnv("the workflow (or job) needs `permissions: id-token: write`",
			"ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
		if err != nil {
			return "", o.failWith(err)
		}
		method, target, field = http.MethodGet, reqURL, "value"
		if src.Audience != "" {
			target += sep(target) + "audience=" + url.QueryEscape(src.Audience)
		}
		header.Set("Authorization", "bearer "+reqToken)
		c.cfg.Redact.Remember(reqToken)
	case AzurePipelines:
		reqURL, reqToken, err := needEnv("the task must map System.AccessToken into its environment (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))",
			"SYSTEM_OIDCREQUESTURI", "SYSTEM_ACCESSTOKEN")
		if err != nil {
			return "", o.failWith(err)
		}
		conn := src.ServiceConnectionID
		if conn == "" {
			conn = os.Getenv("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
		}
		if conn == "" {
			return "", o.fail("no service connection: set workload_identity_service_connection_id, or run in a task that sets AZURESUBSCRIPTION_SERVICE_CONNECTION_ID (AzureCLI@2 and others do)", nil)
		}
		method, field = http.MethodPost, "oidcToken"
		target = reqURL + sep(reqURL) + "api-version=7.1&serviceConnectionId=" + url.QueryEscape(conn)
		header.Set("Authorization", "Bearer "+reqToken)
		header.Set("Content-Type", "application/json")
		attempt = func() ([]byte, http.Header, error) { return []byte("{}"), nil, nil }
		c.cfg.Redact.Remember(reqToken)
	case GCPMetadata:
		host := os.Getenv("GCE_METADATA_HOST")
		if host == "" {
			host = "metadata.google.internal"
		}
		// Plain http is right here and only here: the metadata server is
		// link-local and speaks nothing else. It is never proxied.
		method, hc = http.MethodGet, c.metadataServer
		target = "http://" + host + "/computeMetadata/v1/instance/service-accounts/default/identity?audience=" +
			url.QueryEscape(src.Audience) + "&format=full"
		header.Set("Metadata-Flavor", "Google")
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return "", o.fail("the platform's token request URL is not an absolute URL", err)
	}
	// The metadata server's own addresses are link-local and speak only
	// plain http; any other host GCE_METADATA_HOST names gets the rule
	// every other URL gets.
	if src.Platform != GCPMetadata || !isMetadataServer(u.Hostname()) {
		if _, err := c.checkURL("the platform's token request URL", target); err != nil {
			return "", o.failWith(err)
		}
	}
	o.action = method + " " + redactURL(u)
	header.Set("Accept", "application/json")
	ans, err := c.send(ctx, hc, method, target, attempt, header, o)
	if err != nil {
		return "", err
	}
	return identityAnswer(ans, o, src.Platform, field)
}

// isMetadataServer is true for the addresses of Google's metadata server.
func isMetadataServer(host string) bool {
	return host == "metadata.google.internal" || host == "169.254.169.254"
}

// identityAnswer takes the token out of a platform's answer.
func identityAnswer(ans *answer, o op, p Platform, field string) (string, error) {
	switch {
	case ans.status >= 300 && ans.status < 400:
		return "", o.answerFailed(ans, "the platform answered with a redirect, which is never followed: the request carries the platform's request token", false)
	case ans.status == http.StatusUnauthorized || ans.status == http.StatusForbidden:
		e := o.answerFailed(ans, "the platform refused the request for an identity token", true)
		e.Hint = map[Platform]string{
			GitHubActions:  "The job's request token was refused: check that the workflow or job grants `permissions: id-token: write`.",
			AzurePipelines: "Check that the pipeline may use the service connection, and that System.AccessToken is mapped into the task's environment.",
			GCPMetadata:    "Check that the instance has a service account.",
		}[p]
		return "", e
	case ans.status != http.StatusOK:
		return "", o.answerFailed(ans, "the platform did not issue an identity token", true)
	}
	tok := strings.TrimSpace(string(ans.body))
	if field != "" {
		var m map[string]any
		if err := json.Unmarshal(ans.body, &m); err != nil {
			return "", o.answerFailed(ans, "the platform's answer is not a JSON object", true)
		}
		s, ok := m[field].(string)
		if !ok || s == "" {
			return "", o.answerFailed(ans, fmt.Sprintf("the platform's answer has no %q", field), false)
		}
		tok = s
	}
	if strings.Count(tok, ".") != 2 || strings.ContainsAny(tok, " \t\r\n<>") {
		return "", o.answerFailed(ans, "the platform's answer is not a JWT", true)
	}
	o.san.Remember(tok)
	return tok, nil
}

// needEnv reads variables a platform sets for its jobs; a missing one is an
// error naming it and what makes the platform set it.
func needEnv(why string, names ...string) (string, string, error) {
	vals := make([]string, len(names))
	for i, n := range names {
		if vals[i] = os.Getenv(n); vals[i] == "" {
			return "", "", fmt.Errorf("the environment variable %s is not set: %s", n, why)
		}
	}
	return vals[0], vals[1], nil
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}
