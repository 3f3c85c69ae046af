package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// The demo `make demo` runs, examples/demo/main.tf as it is in the
// repository: the data source's metadata reaches the outputs, and the
// ephemeral token calls the protected API and is revoked, never stored.
func TestAccDemoExample(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile(filepath.Join("..", "..", "examples", "demo", "main.tf"))
	must(t, err)
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", ExpiresIn: 43200, Clients: map[string]string{"demo-client": testSecret}})
	c := newCLI(t, "1.10.0", "")
	c.write("main.tf", string(example))
	client := filepath.Join(t.TempDir(), "apicall")
	must(t, goBuild(client, "github.com/clientcreds/terraform-provider-clientcreds/internal/cmd/apicall"))

	c.run([]string{"TF_VAR_issuer=" + srv.Issuer, "TF_VAR_api_url=" + srv.URL + "/api/whoami", "TF_VAR_api_client=" + client,
		"TF_VAR_client_secret=" + testSecret}, "apply", "-auto-approve", "-input=false", "-no-color")

	if answer := c.read("api-response.txt"); !strings.HasPrefix(answer, "HTTP 200") || !strings.Contains(answer, `"demo-client"`) {
		t.Errorf("the protected API answered %q; want HTTP 200 for demo-client", answer)
	}
	out := c.run(nil, "output", "-json", "token")
	for _, want := range []string{`"expires_in":43200`, `"auth_method":"client_secret_basic"`, `"token_type":"Bearer"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the token output lacks %s: %s", want, out)
		}
	}
	revoked := srv.Revoked()
	if len(revoked) != 2 {
		t.Fatalf("%d tokens revoked; want the ephemeral token of plan and of apply", len(revoked))
	}
	state := c.read("terraform.tfstate")
	assertAbsent(t, "terraform.tfstate", state, map[string]string{"plan's ephemeral token": revoked[0], "apply's ephemeral token": revoked[1]})
}
