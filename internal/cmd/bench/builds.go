package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// The dev binary (a plain `go build`, as `make install` makes) must stay
// under this; release builds are stripped (-s -w) and smaller.
const sizeTarget = 32_000_000

// builds are the directories the benchmark builds into: the provider as
// main.go serves it, the floor provider, and the provider's timed build.
type builds struct {
	providerDir, floorDir, timedDir string
}

func goBuild(out, pkg string, flags ...string) {
	args := append(append([]string{"build"}, flags...), "-o", out, pkg)
	if b, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		check(fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, b))
	}
}

func buildAll(work string) builds {
	b := builds{providerDir: filepath.Join(work, "bin"), floorDir: filepath.Join(work, "floor"), timedDir: filepath.Join(work, "timed")}
	goBuild(filepath.Join(b.providerDir, "terraform-provider-clientcreds"), ".")
	goBuild(filepath.Join(b.floorDir, "terraform-provider-floor"), "./internal/cmd/bench/floor")
	goBuild(filepath.Join(b.timedDir, "terraform-provider-clientcreds"), "./internal/cmd/bench/timed")
	return b
}

// cliConfig writes a Terraform CLI configuration that takes each provider,
// by source address (clientcreds/clientcreds, hashicorp/http), from the
// directory given.
func cliConfig(work, name string, dirs map[string]string) string {
	var sources []string
	for s := range dirs {
		sources = append(sources, s)
	}
	sort.Strings(sources)
	var b strings.Builder
	b.WriteString("provider_installation {\n  dev_overrides {\n")
	for _, s := range sources {
		fmt.Fprintf(&b, "    %q = %q\n", s, dirs[s])
	}
	b.WriteString("  }\n  direct {}\n}\n")
	path := filepath.Join(work, name)
	check(os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

// printSizes prints the size of the provider and the floor as plain builds
// and stripped ones (-ldflags='-s -w', as the release builds).
func printSizes(work string, b builds) {
	size := func(path string) float64 {
		fi, err := os.Stat(path)
		check(err)
		return float64(fi.Size()) / 1e6
	}
	stripped := filepath.Join(work, "stripped")
	goBuild(filepath.Join(stripped, "terraform-provider-clientcreds"), ".", "-ldflags=-s -w")
	goBuild(filepath.Join(stripped, "terraform-provider-floor"), "./internal/cmd/bench/floor", "-ldflags=-s -w")
	dev := size(filepath.Join(b.providerDir, "terraform-provider-clientcreds"))
	word := "met"
	if dev*1e6 >= sizeTarget {
		word = "MISSED"
	}
	fmt.Printf("\nbinary sizes (MB)\n\n| %-12s | %14s | %25s | %-26s |\n|%s|%s|%s|%s|\n", "binary", "go build", "go build -ldflags='-s -w'", "target",
		dashes(14), dashes(16), dashes(27), dashes(28))
	fmt.Printf("| %-12s | %14.1f | %25.1f | %-26s |\n", "clientcreds", dev, size(filepath.Join(stripped, "terraform-provider-clientcreds")),
		fmt.Sprintf("dev < %d MB: %s", sizeTarget/1_000_000, word))
	fmt.Printf("| %-12s | %14.1f | %25.1f | %-26s |\n", "floor", size(filepath.Join(b.floorDir, "terraform-provider-floor")),
		size(filepath.Join(stripped, "terraform-provider-floor")), "")
}
