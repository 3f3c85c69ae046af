package provider

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

const testSecret = "acc-secret-7Hq2/x+y=z"

// TestMain points terraform-plugin-testing at the terraform on PATH, so that
// it never tries to download one, and fails loudly when there is none.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC") != "" && os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		p, err := exec.LookPath("terraform")
		if err != nil {
			fmt.Fprintln(os.Stderr, "TF_ACC is set but no terraform is on PATH and TF_ACC_TERRAFORM_PATH is unset; refusing to download one")
			os.Exit(1)
		}
		if err := os.Setenv("TF_ACC_TERRAFORM_PATH", p); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

func factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"clientcreds": providerserver.NewProtocol6WithError(&Provider{version: "test", now: func() time.Time { return testhelp.Now }}),
		"echo":        echoprovider.NewProviderServer(),
	}
}

// accTest runs the steps of a parallel acceptance test against this
// provider and the echo provider.
func accTest(t *testing.T, steps []resource.TestStep) {
	t.Helper()
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: factories(), Steps: steps})
}

// serialAccTest is accTest for a test that sets the environment, which a
// parallel test may not.
func serialAccTest(t *testing.T, steps []resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: factories(), Steps: steps})
}

// ephemeralAccTest is accTest for configurations with ephemeral resources,
// which Terraform has from 1.10: older versions skip the test.
func ephemeralAccTest(t *testing.T, steps []resource.TestStep) {
	t.Helper()
	ephemeralAccTestOn(t, factories(), steps)
}

// ephemeralAccTestOn is ephemeralAccTest with other providers.
func ephemeralAccTestOn(t *testing.T, providers map[string]func() (tfprotov6.ProviderServer, error), steps []resource.TestStep) {
	t.Helper()
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: providers,
		Steps:                    steps,
	})
}

// startServer runs the local authorization server for one test.
func startServer(t *testing.T, opts authserver.Options) *authserver.Server {
	t.Helper()
	if opts.Clients == nil {
		opts.Clients = map[string]string{"client-1": testSecret}
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return testhelp.Now } // the provider's clock in these tests
	}
	s, err := authserver.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// startCI runs the fake CI platforms and their identity tokens for one test.
func startCI(t *testing.T) *ciserver.Server { return ciserver.StartT(t, ciserver.Options{}) }

// stateIs checks attribute attr of the resource at addr.
func stateIs(addr, attr string, want knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(addr, tfjsonpath.New(attr), want)
}

// stateString checks that attribute attr of addr is the string want.
func stateString(addr, attr, want string) statecheck.StateCheck {
	return stateIs(addr, attr, knownvalue.StringExact(want))
}

// echoIs checks key of an echo resource's data: what a configuration handed
// on from an ephemeral value or a function.
func echoIs(addr, key string, want knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(addr, tfjsonpath.New("data").AtMapKey(key), want)
}

// echoString checks that key of an echo resource's data is the string want.
func echoString(addr, key, want string) statecheck.StateCheck {
	return echoIs(addr, key, knownvalue.StringExact(want))
}

// issuedBy checks that a value is a token the server issued.
func issuedBy(s *authserver.Server) knownvalue.Check {
	return knownvalue.StringFunc(func(v string) error {
		if !s.Issued(v) {
			return fmt.Errorf("%d-character value is not a token the server issued", len(v))
		}
		return nil
	})
}

// bearerOf checks an "Authorization" header value carrying an issued token.
func bearerOf(s *authserver.Server) knownvalue.Check {
	return knownvalue.StringFunc(func(v string) error {
		tok, ok := strings.CutPrefix(v, "Bearer ")
		if !ok || !s.Issued(tok) {
			return fmt.Errorf("value is not \"Bearer \" and a token the server issued")
		}
		return nil
	})
}

// phrase matches text that Terraform may have wrapped across lines.
func phrase(parts ...string) *regexp.Regexp {
	var re []string
	for _, p := range parts {
		words := strings.Fields(p)
		for i, w := range words {
			words[i] = regexp.QuoteMeta(w)
		}
		re = append(re, strings.Join(words, `\s+`))
	}
	return regexp.MustCompile(`(?s)` + strings.Join(re, `.*`))
}

// lastRequestWas checks how the server's last token request arrived.
func lastRequestWas(s *authserver.Server, contentType, method, clientID string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		r, err := onlyRequest(s)
		if err != nil {
			return err
		}
		if r.ContentType != contentType || r.AuthMethod != method || r.ClientID != clientID {
			return fmt.Errorf("server saw %s from %q as %s; want %s from %q as %s", r.AuthMethod, r.ClientID, r.ContentType, method, clientID, contentType)
		}
		return nil
	}
}

// onlyRequest returns the server's one token request, failing otherwise.
func onlyRequest(s *authserver.Server) (authserver.Request, error) {
	reqs := s.TokenRequests()
	if len(reqs) == 0 {
		return authserver.Request{}, fmt.Errorf("the server received no token request")
	}
	return reqs[len(reqs)-1], nil
}

// clientHCL is an HCL block, its header such as `data "clientcreds_token"
// "t"`, for clientID with secret at url, which at names ("token_url" or
// "issuer"); lines are further arguments, one a line.
func clientHCL(header, at, url, clientID, secret string, lines ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s {\n  %s = %q\n  client_id = %q\n  client_secret = %q\n", header, at, url, clientID, secret)
	for _, l := range lines {
		b.WriteString("  " + l + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// client1HCL is clientHCL for client-1 with testSecret, the client most
// tests use.
func client1HCL(header, at, url string, lines ...string) string {
	return clientHCL(header, at, url, "client-1", testSecret, lines...)
}

// tokenT is the data source t: client-1's token from srv.
func tokenT(srv *authserver.Server) string {
	return client1HCL(`data "clientcreds_token" "t"`, "token_url", srv.TokenURL())
}
