// Command releasecheck installs what goreleaser built as a user would, and
// checks it: `make release-check` runs it on the dist directory of a
// snapshot release. It verifies the archive's layout and binary name, the
// registry manifest's protocol, the SHA256SUMS signature, then, with
// Terraform and with OpenTofu and no dev_overrides, lays the linux_amd64
// zip into a filesystem mirror in the registry's layout and runs `init` and
// `plan` on the demo configuration against the project's local
// authorization server (the provider must report, in its User-Agent, the
// version goreleaser stamped), and installs it from a loopback registry
// that serves SHA256SUMS, its signature and the signing key as the real
// one does (Terraform verifies the signature, and the lock file must hold
// the zh: hash SHA256SUMS gives for the zip).
package main

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

const project = "terraform-provider-clientcreds"

func main() {
	dist := flag.String("dist", "dist", "goreleaser's output directory")
	version := flag.String("version", "", "the version goreleaser stamped, without a leading v")
	tf := flag.String("terraform", "", "path of terraform")
	tofu := flag.String("tofu", "", "path of tofu")
	demo := flag.String("config", "examples/demo/main.tf", "the configuration to init and plan")
	manifest := flag.String("manifest", "terraform-registry-manifest.json", "the registry manifest the release uploads")
	flag.Parse()

	base := fmt.Sprintf("%s_%s", project, *version)
	zipPath := filepath.Join(*dist, base+"_linux_amd64.zip")
	sums := filepath.Join(*dist, base+"_SHA256SUMS")
	step("the archive holds %s_v%s", project, *version)
	checkArchive(zipPath, fmt.Sprintf("%s_v%s", project, *version))
	step("the manifest says protocol 6")
	checkManifest(*manifest)
	step("SHA256SUMS lists the zip and the manifest, and its signature verifies")
	want := checksums(sums)
	sum := fileSum(zipPath)
	if want[filepath.Base(zipPath)] != sum {
		fail("SHA256SUMS gives %q for the zip; its SHA-256 is %s", want[filepath.Base(zipPath)], sum)
	}
	// The release uploads the manifest under this name (release.extra_files);
	// a snapshot only sums it.
	if got := want[base+"_manifest.json"]; got != fileSum(*manifest) {
		fail("SHA256SUMS gives %q for %s_manifest.json; the manifest's SHA-256 is %s", got, base, fileSum(*manifest))
	}
	run("", nil, "gpg", "--batch", "--verify", sums+".sig", sums)

	for _, cli := range []struct{ name, path, host string }{
		{"terraform", *tf, "registry.terraform.io"},
		{"tofu", *tofu, "registry.opentofu.org"},
	} {
		step("%s: init and plan from a filesystem mirror, init from a registry (%s)", cli.name, cli.host)
		installAndPlan(cli.path, cli.host, zipPath, *version, sum, *demo)
	}
	fmt.Println("release-check: passed")
}

// installAndPlan installs the zip as a user would: from a filesystem
// mirror in the registry's layout (init, then plan of the demo against the
// local server, checking the version the provider reports), and from a
// registry on loopback (the lock file must then hold the zh: hash of the
// signed SHA256SUMS).
func installAndPlan(cli, host, zipPath, version, zipSum, demo string) {
	work, err := os.MkdirTemp("", "release-check-")
	check(err)
	if os.Getenv("KEEP_RELEASE_CHECK") == "" {
		defer func() { _ = os.RemoveAll(work) }()
	}
	mirror := filepath.Join(work, "mirror", host, "clientcreds", "clientcreds")
	check(os.MkdirAll(mirror, 0o755))
	copyFile(zipPath, filepath.Join(mirror, filepath.Base(zipPath)))
	fsRC := writeRC(work, "fs.tfrc", fmt.Sprintf("filesystem_mirror {\n    path = %q\n  }", filepath.Join(work, "mirror")))

	srv, err := authserver.Start(authserver.Options{Clients: map[string]string{"demo-client": "release-check-secret"}, IssuerPath: "/identity"})
	check(err)
	defer srv.Close()
	dir := workDir(work, "fs", demo)
	env := []string{"TF_CLI_CONFIG_FILE=" + fsRC, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_VAR_client_secret=release-check-secret"}
	run(dir, env, cli, "init", "-input=false", "-no-color")
	run(dir, env, cli, "plan", "-input=false", "-no-color", "-var", "issuer="+srv.Issuer,
		"-var", "api_url="+srv.URL+"/api/whoami", "-var", "api_client=/bin/false")
	if lock := readLock(dir); !regexp.MustCompile(`version\s*=\s*"` + regexp.QuoteMeta(version) + `"`).MatchString(lock) {
		fail("the lock file does not pin version %s:\n%s", version, lock)
	}
	agent := project + "/" + version
	reqs := srv.TokenRequests()
	if len(reqs) == 0 {
		fail("the plan made no token request")
	}
	for _, r := range reqs {
		if got := r.Header.Get("User-Agent"); got != agent {
			fail("the installed provider reports %q; goreleaser stamped %q", got, agent)
		}
	}

	reg, caFile := registry(version, zipPath, zipSum)
	defer reg.Close()
	regRC := filepath.Join(work, "registry.tfrc")
	check(os.WriteFile(regRC, []byte(fmt.Sprintf("host %q {\n  services = {\n    \"providers.v1\" = %q\n  }\n}\n", host, reg.URL+"/v1/providers/")), 0o600))
	dir = workDir(work, "registry", demo)
	run(dir, []string{"TF_CLI_CONFIG_FILE=" + regRC, "SSL_CERT_FILE=" + caFile, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1"},
		cli, "init", "-input=false", "-no-color")
	if lock := readLock(dir); !strings.Contains(lock, `"zh:`+zipSum+`"`) {
		fail("the lock file does not hold zh:%s, the zip's hash in SHA256SUMS:\n%s", zipSum, lock)
	}
}

// registry serves the provider registry protocol for the release over
// loopback HTTPS, with SHA256SUMS, its signature and the throwaway public
// key, as the registry would; it returns the CA file to trust.
func registry(version, zipPath, zipSum string) (*httptest.Server, string) {
	dist := filepath.Dir(zipPath)
	base := fmt.Sprintf("%s_%s", project, version)
	key := gpgPublicKey()
	var srv *httptest.Server
	mux := http.NewServeMux()
	files := "/files/"
	mux.Handle("GET "+files, http.StripPrefix(files, http.FileServer(http.Dir(dist))))
	mux.HandleFunc("GET /v1/providers/clientcreds/clientcreds/versions", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"versions": []any{map[string]any{"version": version, "protocols": []string{"6.0"},
			"platforms": []any{map[string]string{"os": "linux", "arch": "amd64"}}}}})
	})
	mux.HandleFunc("GET /v1/providers/clientcreds/clientcreds/"+version+"/download/linux/amd64", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"protocols": []string{"6.0"}, "os": "linux", "arch": "amd64",
			"filename": filepath.Base(zipPath), "download_url": srv.URL + files + filepath.Base(zipPath),
			"shasums_url": srv.URL + files + base + "_SHA256SUMS", "shasums_signature_url": srv.URL + files + base + "_SHA256SUMS.sig",
			"shasum": zipSum, "signing_keys": map[string]any{"gpg_public_keys": []any{key}}})
	})
	srv = httptest.NewTLSServer(mux)
	ca := filepath.Join(dist, "registry-ca.pem")
	check(os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644))
	return srv, ca
}

// gpgPublicKey is the throwaway signing key as the registry lists it.
func gpgPublicKey() map[string]string {
	fpr := os.Getenv("GPG_FINGERPRINT")
	if len(fpr) < 16 {
		fail("GPG_FINGERPRINT does not name the signing key")
	}
	out, err := exec.Command("gpg", "--batch", "--armor", "--export", fpr).Output()
	check(err)
	return map[string]string{"key_id": fpr[len(fpr)-16:], "ascii_armor": string(out)}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeRC(work, name, installation string) string {
	rc := filepath.Join(work, name)
	check(os.WriteFile(rc, []byte("provider_installation {\n  "+installation+"\n}\n"), 0o600))
	return rc
}

func workDir(work, name, demo string) string {
	dir := filepath.Join(work, name)
	check(os.MkdirAll(dir, 0o755))
	copyFile(demo, filepath.Join(dir, "main.tf"))
	return dir
}

func readLock(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
	check(err)
	return string(b)
}

func checkArchive(path, binary string) {
	z, err := zip.OpenReader(path)
	check(err)
	defer func() { _ = z.Close() }()
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
	}
	if !slices.Contains(names, binary) {
		fail("%s holds %v; the registry expects the binary %s at its root", path, names, binary)
	}
}

func checkManifest(path string) {
	b, err := os.ReadFile(path)
	check(err)
	var m struct {
		Version  int `json:"version"`
		Metadata struct {
			ProtocolVersions []string `json:"protocol_versions"`
		} `json:"metadata"`
	}
	check(json.Unmarshal(b, &m))
	if m.Version != 1 || !slices.Equal(m.Metadata.ProtocolVersions, []string{"6.0"}) {
		fail("the manifest says version %d, protocols %v; want 1 and [6.0]", m.Version, m.Metadata.ProtocolVersions)
	}
}

// checksums reads a SHA256SUMS file: file name to hex digest.
func checksums(path string) map[string]string {
	f, err := os.Open(path)
	check(err)
	defer func() { _ = f.Close() }()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 {
			out[fields[1]] = fields[0]
		}
	}
	check(sc.Err())
	return out
}

func fileSum(path string) string {
	f, err := os.Open(path)
	check(err)
	defer func() { _ = f.Close() }()
	h := sha256.New()
	_, err = io.Copy(h, f)
	check(err)
	return hex.EncodeToString(h.Sum(nil))
}

func copyFile(from, to string) {
	b, err := os.ReadFile(from)
	check(err)
	check(os.WriteFile(to, b, 0o644))
}

func run(dir string, env []string, name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		fail("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func step(format string, a ...any) { fmt.Printf("release-check: "+format+"\n", a...) }

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "release-check: FAILED: "+format+"\n", a...)
	os.Exit(1)
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}
