package identity

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

// Each fetcher asks as its platform's documentation says, and returns the
// token the platform issued.
func TestIdentityTokenFetchers(t *testing.T) {
	ci := ciserver.StartT(t, ciserver.Options{})
	for _, tc := range []struct {
		name string
		env  []string
		src  oauth.IdentitySource
		want ciserver.Request
	}{
		{"github_actions with an audience", ci.GitHubEnv(), New(Spec{Platform: GitHubActions, Audience: "api://AzureADTokenExchange"}),
			ciserver.Request{Platform: "github_actions", Method: "GET", Audience: "api://AzureADTokenExchange", Auth: "bearer " + ciserver.RequestToken}},
		{"github_actions, the platform's default audience", ci.GitHubEnv(), New(Spec{Platform: GitHubActions}),
			ciserver.Request{Platform: "github_actions", Method: "GET", Auth: "bearer " + ciserver.RequestToken}},
		{"azure_pipelines, connection from the task", ci.AzureEnv("sc-from-env"), New(Spec{Platform: AzurePipelines}),
			ciserver.Request{Platform: "azure_pipelines", Method: "POST", Connection: "sc-from-env", Auth: "Bearer " + ciserver.SystemToken, ContentType: "application/json"}},
		{"azure_pipelines, connection configured", ci.AzureEnv("sc-from-env"), New(Spec{Platform: AzurePipelines, ServiceConnectionID: "sc-configured"}),
			ciserver.Request{Platform: "azure_pipelines", Method: "POST", Connection: "sc-configured", Auth: "Bearer " + ciserver.SystemToken, ContentType: "application/json"}},
		{"gcp_metadata", ci.GCPEnv(), New(Spec{Platform: GCPMetadata, Audience: "//iam.googleapis.com/projects/1/x"}),
			ciserver.Request{Platform: "gcp_metadata", Method: "GET", Audience: "//iam.googleapis.com/projects/1/x", Flavor: "Google"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testhelp.SetEnv(t, tc.env)
			got := fetchOne(t, ci, newClient(t), tc.src)
			got.Path = ""
			if got != tc.want {
				t.Errorf("the platform saw %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// Without the variables a platform sets, the error says which is missing
// and what makes the platform set it; a refused request says what to check.
func TestIdentityTokenMisconfigured(t *testing.T) {
	ci := ciserver.StartT(t, ciserver.Options{})
	for _, tc := range []struct {
		name string
		env  []string
		src  oauth.IdentitySource
		want []string
	}{
		{"github without id-token permission", []string{"ACTIONS_ID_TOKEN_REQUEST_URL=", "ACTIONS_ID_TOKEN_REQUEST_TOKEN="}, New(Spec{Platform: GitHubActions}),
			[]string{"ACTIONS_ID_TOKEN_REQUEST_URL is not set", "permissions: id-token: write"}},
		{"github with a stale request token", []string{"ACTIONS_ID_TOKEN_REQUEST_URL=" + ci.URL + "/github/idtoken?api-version=2.0", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=wrong-token-value"},
			New(Spec{Platform: GitHubActions}), []string{"HTTP status: 401", "refused the request for an identity token", "permissions: id-token: write"}},
		{"azure without System.AccessToken", []string{"SYSTEM_OIDCREQUESTURI=" + ci.URL + "/azure/oidctoken", "SYSTEM_ACCESSTOKEN="},
			New(Spec{Platform: AzurePipelines, ServiceConnectionID: "sc"}), []string{"SYSTEM_ACCESSTOKEN is not set", "System.AccessToken"}},
		{"azure without a service connection", append(ci.AzureEnv(""), "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID="), New(Spec{Platform: AzurePipelines}),
			[]string{"workload_identity_service_connection_id", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"}},
		{"gcp without an audience", ci.GCPEnv(), New(Spec{Platform: GCPMetadata}), []string{"needs workload_identity_audience"}},
		// A metadata host that is neither Google's nor loopback would be
		// asked over plain http, across the network: refused before sending.
		{"gcp metadata host elsewhere", []string{"GCE_METADATA_HOST=metadata.attacker.invalid"},
			New(Spec{Platform: GCPMetadata, Audience: "//iam.googleapis.com/x"}), []string{"plain http:// to a host that is not loopback"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testhelp.SetEnv(t, tc.env)
			_, err := newClient(t, func(c *oauth.Config) { c.NoRetries = true }).IdentityToken(context.Background(), tc.src)
			msg := failure(t, err, tc.want...).Error()
			if strings.Contains(msg, ciserver.RequestToken) || strings.Contains(msg, ciserver.SystemToken) || strings.Contains(msg, "wrong-token-value") {
				t.Errorf("the error shows a request token:\n%s", msg)
			}
		})
	}
}

// The hostile-server cases, at the identity endpoints: each is a clear error,
// and the request token, which the request carries, is never followed
// elsewhere by a redirect.
func TestIdentityEndpointHostile(t *testing.T) {
	var elsewhere atomic.Int32
	other := testhelp.Serve(t, func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) })
	for _, tc := range []struct {
		name string
		h    http.HandlerFunc
		want []string
	}{
		{"HTML answer", testhelp.AnswerWith(200, "text/html", "<html><body>Sign in to continue</body></html>"), []string{"not a JSON object", "Sign in to continue"}},
		{"500", testhelp.AnswerWith(500, "text/plain", "backend down"), []string{"HTTP status: 500", "did not issue an identity token", "after 2 attempts"}},
		{"missing value", testhelp.AnswerWith(200, "application/json", `{"count":1}`), []string{`the platform's answer has no "value"`}},
		{"value not a JWT", testhelp.AnswerWith(200, "application/json", `{"value":"not-a-jwt"}`), []string{"not a JWT"}},
		{"oversized", testhelp.AnswerWith(200, "application/json", `{"value":"`+strings.Repeat("a", 2<<20)+`"}`), []string{"larger than the 1 MiB limit"}},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		},
			[]string{"HTTP status: 302", "redirect, which is never followed"}},
		{"403", testhelp.AnswerWith(403, "application/json", `{"message":"forbidden"}`), []string{"HTTP status: 403", "permissions: id-token: write"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ci := ciserver.StartT(t, ciserver.Options{Handler: tc.h})
			testhelp.SetEnv(t, ci.GitHubEnv())
			_, err := newClient(t, func(c *oauth.Config) { c.MaxRetries = 1 }).IdentityToken(context.Background(), New(Spec{Platform: GitHubActions}))
			mustFail(t, err, tc.want...)
		})
	}
	if elsewhere.Load() != 0 {
		t.Errorf("a redirect carried the request elsewhere %d times", elsewhere.Load())
	}
}
