package identity

import (
	"context"
	"errors"
	"os"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// AzureManagedIdentity: a token of the Azure resource's managed identity
// for api://AzureADTokenExchange, which Entra ID accepts as a federated
// credential of an app registration (so a workload reaches an app, in any
// tenant, with no secret). MSAL for Go's managedidentity package finds the
// endpoint the environment offers (IMDS on VMs, App Service and Functions'
// IDENTITY_ENDPOINT and IDENTITY_HEADER, Azure Arc, Cloud Shell, Azure ML,
// Service Fabric) and speaks its rules; its requests go through the client's
// own transport.
const AzureManagedIdentity = "azure_managed_identity"

type azureManagedIdentity struct{ base }

const managedIdentityHint = "Check that the Azure resource has a managed identity: the system-assigned one, or the user-assigned " +
	"identity that workload_identity_client_id names, attached to it."

func (p azureManagedIdentity) Token(ctx context.Context, h oauth.PlatformHTTP) (string, error) {
	for _, v := range []string{"IDENTITY_HEADER", "MSI_SECRET"} {
		if s := os.Getenv(v); s != "" {
			h.Secret(s) // the endpoint's own credential, in a header
		}
	}
	id := managedidentity.SystemAssigned()
	if p.ClientID != "" {
		id = managedidentity.UserAssignedClientID(p.ClientID)
	}
	hc := &sdkHTTP{h: h}
	// The client's transport retries; MSAL's own loop would multiply it.
	c, err := managedidentity.New(id, managedidentity.WithHTTPClient(hc), managedidentity.WithRetryPolicyDisabled())
	if err != nil {
		return "", errors.New("no managed identity endpoint can be used here: " + err.Error())
	}
	resource := p.Audience
	if resource == "" {
		resource = azureAudience
	}
	res, err := c.AcquireToken(ctx, resource)
	if err != nil {
		return "", hc.failed(err, "the managed identity endpoint did not issue a token", managedIdentityHint,
			"the managed identity token could not be read")
	}
	return res.AccessToken, nil
}
