package identity

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// Auto finds the platform from the environment, so that one configuration
// runs in any of them. The order is the documented one: CI systems first
// (a runner hosted on a cloud VM means the CI job's identity), then HCP
// Terraform, then the cloud the machine runs on.
const Auto = "auto"

// detectors is auto's order: each names the platform and what it looks for.
var detectors = []struct {
	platform, looksFor string
	found              func(Spec) bool
}{
	{GitHubActions, "GITHUB_ACTIONS=true", func(Spec) bool { return os.Getenv("GITHUB_ACTIONS") == "true" }},
	{AzurePipelines, "TF_BUILD=True", func(Spec) bool { return strings.EqualFold(os.Getenv("TF_BUILD"), "true") }},
	{HCPTerraform, "TFC_WORKLOAD_IDENTITY_TOKEN[_<TAG>]", func(s Spec) bool {
		name, _ := hcpTerraform{base(s)}.variables()
		return os.Getenv(name) != ""
	}},
	{CircleCI, "CIRCLECI=true", func(Spec) bool { return os.Getenv("CIRCLECI") == "true" }},
	{Buildkite, "BUILDKITE=true", func(Spec) bool { return os.Getenv("BUILDKITE") == "true" }},
	{SPIFFE, "SPIFFE_ENDPOINT_SOCKET", func(Spec) bool { return os.Getenv("SPIFFE_ENDPOINT_SOCKET") != "" }},
	{AWS, "AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_*, AWS_LAMBDA_FUNCTION_NAME, CODEBUILD_BUILD_ID or EC2",
		func(Spec) bool { return awsEnvironment() }},
	{AzureManagedIdentity, "IDENTITY_ENDPOINT, MSI_ENDPOINT or an Azure VM", func(Spec) bool {
		return os.Getenv("IDENTITY_ENDPOINT") != "" || os.Getenv("MSI_ENDPOINT") != "" || dmi("chassis_asset_tag") == azureAssetTag
	}},
	{GCPMetadata, "GCE_METADATA_HOST or a Compute Engine VM", func(Spec) bool {
		return os.Getenv("GCE_METADATA_HOST") != "" || strings.HasPrefix(dmi("product_name"), "Google")
	}},
}

// dmiDir holds what the firmware says of the machine, on Linux: Compute
// Engine VMs name Google as the product, Azure VMs carry Azure's chassis
// asset tag. A variable for tests.
var dmiDir = "/sys/class/dmi/id"

const azureAssetTag = "7783-7084-3265-9085-8269-3286-77"

func dmi(name string) string {
	b, err := os.ReadFile(dmiDir + "/" + name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

type auto struct{ base }

// detect is the source of the first platform found, with the arguments
// that platform reads.
func (a auto) detect() (oauth.IdentitySource, error) {
	for _, d := range detectors {
		if !d.found(Spec(a.base)) {
			continue
		}
		s := Spec(a.base)
		s.Platform = d.platform
		if s.Platform != AzurePipelines {
			s.ServiceConnectionID = ""
		} else if s.Audience == azureAudience {
			s.Audience = "" // the only one it issues, and the one it may not be asked for
		}
		if s.Platform != HCPTerraform {
			s.Tag = ""
		}
		if s.Platform != AzureManagedIdentity {
			s.ClientID = ""
		}
		if s.Platform != AWS {
			s.SigningAlgorithm = ""
		}
		return New(s), nil
	}
	var looked []string
	for _, d := range detectors {
		looked = append(looked, d.looksFor+" ("+d.platform+")")
	}
	return nil, fmt.Errorf("workload_identity \"auto\" found no platform (name it instead); it looked for %s", strings.Join(looked, ", "))
}

func (a auto) Token(ctx context.Context, h oauth.PlatformHTTP) (string, error) {
	src, err := a.detect()
	if err != nil {
		return "", err
	}
	if err := src.Check(); err != nil {
		return "", fmt.Errorf("workload_identity \"auto\" found %s: %w", src.Name(), err)
	}
	tok, err := src.Token(ctx, h)
	if err != nil {
		return "", detected(src.Name(), err)
	}
	return tok, nil
}

// detected says which platform auto found in a plain error; the client's
// own errors and refusals name the request already.
func detected(platform string, err error) error {
	var oe *oauth.Error
	var re *oauth.Refusal
	var ae *oauth.ArgError
	if errors.As(err, &oe) || errors.As(err, &re) || errors.As(err, &ae) {
		return err
	}
	return fmt.Errorf("workload_identity \"auto\" found %s: %w", platform, err)
}
