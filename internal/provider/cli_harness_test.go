package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testleak"
)

// Some tests need what terraform-plugin-testing does not expose: the raw
// state file, a saved plan, Terraform's own trace log. They run the real
// terraform CLI against the real provider binary, installed through a
// dev_overrides CLI configuration, exactly as a user's machine would.

var (
	buildOnce   sync.Once
	providerDir string
	buildErr    error
)

// cli is one Terraform working directory wired to the provider binary.
type cli struct {
	t   *testing.T
	dir string
	env []string
}

// newCLI builds the provider (once per test binary) and prepares a working
// directory holding config as main.tf. It skips, saying why, unless TF_ACC is
// set, and when Terraform is older than minVersion.
func newCLI(t *testing.T, minVersion, config string) *cli {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run it against the terraform CLI")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if have := terraformVersion(t, tf); have.LessThan(version.Must(version.NewVersion(minVersion))) {
		t.Skipf("needs Terraform >= %s; %s is %s", minVersion, tf, have)
	}
	buildOnce.Do(func() {
		providerDir, buildErr = os.MkdirTemp("", "clientcreds-provider-")
		if buildErr == nil {
			// The provider reads no firmware (DMI) here: on a cloud VM,
			// workload_identity = "auto" would otherwise find the machine
			// the tests run on where a test plays no platform.
			buildErr = goBuild(filepath.Join(providerDir, "terraform-provider-clientcreds"), "github.com/clientcreds/terraform-provider-clientcreds",
				"-ldflags=-X github.com/clientcreds/terraform-provider-clientcreds/internal/identity.dmiDir="+filepath.Join(providerDir, "no-dmi"))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	dir := t.TempDir()
	rc := filepath.Join(dir, "terraformrc")
	must(t, os.WriteFile(rc, []byte(fmt.Sprintf(`provider_installation {
  dev_overrides {
    "clientcreds/clientcreds" = %q
  }
  direct {}
}
`, providerDir)), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(`terraform {
  required_providers {
    clientcreds = { source = "clientcreds/clientcreds" }
  }
}
`+config), 0o600))
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	return &cli{t: t, dir: dir, env: env}
}

func goBuild(out, pkg string, flags ...string) error {
	if b, err := exec.Command("go", append(append([]string{"build"}, flags...), "-o", out, pkg)...).CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// write puts a file into the working directory.
func (c *cli) write(name, content string) {
	c.t.Helper()
	must(c.t, os.WriteFile(filepath.Join(c.dir, name), []byte(content), 0o600))
}

// run runs terraform with args and extra environment, failing the test on a
// non-zero exit; it returns stdout and stderr together.
func (c *cli) run(extraEnv []string, args ...string) string {
	c.t.Helper()
	out, err := c.exec(extraEnv, args...)
	if err != nil {
		c.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// runFail is run for a command that must fail.
func (c *cli) runFail(extraEnv []string, args ...string) string {
	c.t.Helper()
	out, err := c.exec(extraEnv, args...)
	if err == nil {
		c.t.Fatalf("terraform %s succeeded; want a failure\n%s", strings.Join(args, " "), out)
	}
	return out
}

func (c *cli) exec(extraEnv []string, args ...string) (string, error) {
	cmd := exec.Command(os.Getenv("TF_ACC_TERRAFORM_PATH"), append([]string{"-chdir=" + c.dir}, args...)...)
	cmd.Env = append(append([]string(nil), c.env...), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (c *cli) read(name string) string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, name))
	must(c.t, err)
	return string(b)
}

// traceLog is a file, outside the working directory, that Terraform and the
// provider write their trace logs to when run with its env.
type traceLog struct {
	t    *testing.T
	path string
}

func newTraceLog(t *testing.T) traceLog {
	return traceLog{t: t, path: filepath.Join(t.TempDir(), "trace.log")}
}

// env is extra followed by the variables that turn tracing on into the file.
func (l traceLog) env(extra ...string) []string {
	return append(append([]string(nil), extra...), "TF_LOG=trace", "TF_LOG_PROVIDER=trace", "TF_LOG_PATH="+l.path)
}

// text is what has been logged.
func (l traceLog) text() []byte {
	l.t.Helper()
	b, err := os.ReadFile(l.path)
	must(l.t, err)
	return b
}

func terraformVersion(t *testing.T, tf string) *version.Version {
	t.Helper()
	out, err := exec.Command(tf, "version", "-json").Output()
	must(t, err)
	var v struct {
		Version string `json:"terraform_version"`
	}
	must(t, json.Unmarshal(out, &v))
	return version.Must(version.NewVersion(v.Version))
}

// assertAbsent fails when any secret occurs in text, in any encoding a
// server or log could give it; it names the secret by its role only.
func assertAbsent(t *testing.T, where, text string, secrets map[string]string) {
	t.Helper()
	for _, f := range testleak.Find(text, secrets) {
		t.Errorf("%s contains the %s", where, f)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// startPlans runs terraform plan in every one of clis at once, env added to
// their environment; wait waits for them all and returns their outputs, in
// the order of clis. A failed plan is an error of the test. The caller
// does what it must while they run, without ending the test (t.Fatal)
// before wait has returned.
func startPlans(t *testing.T, clis []*cli, env []string) (wait func() []string) {
	t.Helper()
	outs := make([]string, len(clis))
	var wg sync.WaitGroup
	for i, c := range clis {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.exec(env, "plan", "-input=false", "-no-color")
			if err != nil {
				t.Errorf("run %d: %v\n%s", i, err, out)
			}
			outs[i] = out
		}()
	}
	return func() []string {
		wg.Wait()
		return outs
	}
}

// planApply plans with env into a saved plan, shows that as JSON and
// applies it, as a pipeline with an approval step does.
func (c *cli) planApply(env []string) (planOut, planJSON, applyOut string) {
	c.t.Helper()
	planOut = c.run(env, "plan", "-input=false", "-no-color", "-out=tfplan")
	planJSON = c.run(nil, "show", "-json", "tfplan")
	return planOut, planJSON, c.run(env, "apply", "-input=false", "-no-color", "tfplan")
}

// seenFile is a fresh path for execHCL's out: what the provisioner saw.
func seenFile(t *testing.T) string { return filepath.Join(t.TempDir(), "seen") }

// readSeen is what the provisioner wrote to out.
func readSeen(t *testing.T, out string) string {
	t.Helper()
	b, err := os.ReadFile(out)
	must(t, err)
	return string(b)
}

// execHCL is a terraform_data resource whose local-exec provisioner runs
// command with env (variable names to HCL expressions) as its environment,
// and OUT naming the file out unless that is "": how an ephemeral value
// reaches a tool.
func execHCL(command, out string, env map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "resource \"terraform_data\" \"use\" {\n  provisioner \"local-exec\" {\n    command = %q\n    environment = {\n", command)
	if out != "" {
		fmt.Fprintf(&b, "      OUT = %q\n", out)
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		fmt.Fprintf(&b, "      %s = %s\n", k, env[k])
	}
	b.WriteString("    }\n  }\n}\n")
	return b.String()
}
