package identity

import (
	"context"
	"strings"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

// An App Service-style managed identity endpoint that demands its header:
// refused without the right one (which never shows), then tokens for the
// system-assigned identity (resource api://AzureADTokenExchange unless
// workload_identity_audience says otherwise) and a user-assigned one. MSAL
// keeps tokens in process memory, so each case asks for another identity
// or resource than the ones before.
func TestAzureManagedIdentityAppService(t *testing.T) {
	ci := ciserver.StartT(t, ciserver.Options{})
	ciEnvironment(t)
	testhelp.SetEnv(t, ci.AppServiceEnv())
	c := newClient(t)

	t.Setenv("IDENTITY_HEADER", "wrong-identity-header-Zx9")
	_, err := c.IdentityToken(context.Background(), New(Spec{Platform: AzureManagedIdentity, Audience: "api://refused"}))
	msg := failure(t, err, "HTTP status: 401", "managed identity endpoint did not issue a token", "has a managed identity").Error()
	if strings.Contains(msg, "wrong-identity-header-Zx9") {
		t.Errorf("the error shows the identity header:\n%s", msg)
	}
	t.Setenv("IDENTITY_HEADER", ciserver.IdentityHeader)

	for _, tc := range []struct {
		spec Spec
		want ciserver.Request
	}{
		{Spec{Platform: AzureManagedIdentity}, ciserver.Request{Audience: "api://AzureADTokenExchange"}},
		{Spec{Platform: AzureManagedIdentity, Audience: "api://other-exchange"}, ciserver.Request{Audience: "api://other-exchange"}},
		{Spec{Platform: AzureManagedIdentity, ClientID: "8c2f0000-0000-4000-8000-0000000000u1"},
			ciserver.Request{Audience: "api://AzureADTokenExchange", ClientID: "8c2f0000-0000-4000-8000-0000000000u1"}},
	} {
		got := fetchOne(t, ci, c, New(tc.spec))
		tc.want.Platform, tc.want.Method, tc.want.Path, tc.want.Auth = "azure_managed_identity", "GET", "/msi/token", ciserver.IdentityHeader
		if got != tc.want {
			t.Errorf("the endpoint saw %+v\nwant %+v", got, tc.want)
		}
	}
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: GitHubActions, ClientID: "x"}))
	mustFail(t, err, "workload_identity_client_id is used only by azure_managed_identity")

	src, err := auto{base{Platform: Auto, ClientID: "u1"}}.detect()
	if err != nil || src.Name() != AzureManagedIdentity {
		t.Errorf("auto found %v (%v) in App Service", src, err)
	}
}
