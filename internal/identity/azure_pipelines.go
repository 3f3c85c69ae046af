package identity

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// AzurePipelines: a task that maps System.AccessToken POSTs to
// SYSTEM_OIDCREQUESTURI for a service connection's federated identity;
// the answer is {"oidcToken": "<jwt>"} for api://AzureADTokenExchange.
const AzurePipelines = "azure_pipelines"

// azureAudience is the one audience Azure Pipelines issues tokens for.
const azureAudience = "api://AzureADTokenExchange"

type azurePipelines struct{ base }

// Check: Azure DevOps fixes the audience.
func (p azurePipelines) Check() error {
	if p.Audience != "" {
		return argErr(oauth.ArgWorkloadAudience, "Azure Pipelines issues its OIDC tokens for the audience "+azureAudience+" only; remove workload_identity_audience.")
	}
	return p.onlyFor()
}

func (p azurePipelines) Token(ctx context.Context, h oauth.PlatformHTTP) (string, error) {
	env, err := needEnv("the task must map System.AccessToken into its environment (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))",
		"SYSTEM_OIDCREQUESTURI", "SYSTEM_ACCESSTOKEN")
	if err != nil {
		return "", err
	}
	conn := p.ServiceConnectionID
	if conn == "" {
		conn = os.Getenv("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
	}
	if conn == "" {
		return "", errors.New("no service connection: set workload_identity_service_connection_id, or run in a task that sets AZURESUBSCRIPTION_SERVICE_CONNECTION_ID (AzureCLI@2 and others do)")
	}
	h.Secret(env[1])
	a, err := h.Do(ctx, oauth.PlatformRequest{Method: http.MethodPost,
		URL:    withQuery(env[0], "api-version=7.1&serviceConnectionId="+url.QueryEscape(conn)),
		Header: http.Header{"Authorization": {"Bearer " + env[1]}, "Content-Type": {"application/json"}},
		Body:   []byte("{}")})
	if err != nil {
		return "", err
	}
	return answerToken(a, "oidcToken", "Check that the pipeline may use the service connection, and that System.AccessToken is mapped into the task's environment.")
}
