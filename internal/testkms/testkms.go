// Package testkms gives the tests key services to sign with: local-kms,
// the AWS KMS emulator in Go, started on a free loopback port with its data
// in the test's temporary directory (a test that cannot find the binary
// skips, naming how to install it); and small servers for Vault Transit,
// Cloud KMS and Key Vault written from their API documentation (fakes.go).
package testkms

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

// Module is what scripts/install-test-tools.sh installs.
const Module = "github.com/nsmithuk/local-kms@v0.0.0-20260228092603-2a5e92d09ab6"

// Region is the region the emulator's keys live in.
const Region = "eu-west-2"

// Credentials the tests hand to the provider's AWS SDK chain: local-kms
// accepts any; the secret must never appear in what the provider shows.
const (
	AccessKeyID     = "AKIATESTLOCALKMS0001"
	SecretAccessKey = "tEsT+sEcReT/LocalKms0123456789abcdefABCDEF"
)

// find looks for the binary on PATH, then in GOBIN or GOPATH/bin.
func find() string {
	if p, err := exec.LookPath("local-kms"); err == nil {
		return p
	}
	var dirs []string
	if b := os.Getenv("GOBIN"); b != "" {
		dirs = append(dirs, b)
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, p := range filepath.SplitList(string(out[:len(out)-1])) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	for _, d := range dirs {
		if p := filepath.Join(d, "local-kms"); fileExists(p) {
			return p
		}
	}
	return ""
}

func fileExists(p string) bool { st, err := os.Stat(p); return err == nil && !st.IsDir() }

// Server is a running local-kms.
type Server struct {
	Endpoint string // host:port, for awskms://ENDPOINT/KEY
	Client   *kms.Client
}

// Start runs local-kms for the test, or skips it.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := find()
	if bin == "" {
		t.Skipf("local-kms is not installed: run scripts/install-test-tools.sh (go install %s)", Module)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("listener address %v", l.Addr())
	}
	port := addr.Port
	_ = l.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), "KMS_REGION="+Region, "KMS_ACCOUNT_ID=111122223333",
		"KMS_DATA_PATH="+filepath.Join(dir, "data"), "KMS_SEED_PATH="+filepath.Join(dir, "no-seed.yaml"))
	log, _ := os.Create(filepath.Join(dir, "local-kms.log"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("local-kms did not start: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	alive := func() bool {
		select {
		case <-exited:
			return false
		default:
			return true
		}
	}
	endpoint := fmt.Sprintf("127.0.0.1:%d", port)
	if !testhelp.Listening(endpoint, 30*time.Second, alive) {
		b, _ := os.ReadFile(filepath.Join(dir, "local-kms.log"))
		t.Fatalf("local-kms did not listen on %s (exited: %v): %s", endpoint, !alive(), b)
	}
	client := kms.New(kms.Options{Region: Region, BaseEndpoint: aws.String("http://" + endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, "")})
	return &Server{Endpoint: endpoint, Client: client}
}

// CreateKey makes a key of spec (RSA_2048, ECC_NIST_P256, ...) and usage
// and returns its id.
func (s *Server) CreateKey(t testing.TB, spec types.KeySpec, usage types.KeyUsageType) string {
	t.Helper()
	out, err := s.Client.CreateKey(context.Background(), &kms.CreateKeyInput{KeySpec: spec, KeyUsage: usage})
	if err != nil {
		t.Fatalf("CreateKey %s: %v", spec, err)
	}
	return *out.KeyMetadata.KeyId
}

// Alias names a key.
func (s *Server) Alias(t testing.TB, name, keyID string) {
	t.Helper()
	if _, err := s.Client.CreateAlias(context.Background(), &kms.CreateAliasInput{AliasName: aws.String(name), TargetKeyId: aws.String(keyID)}); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
}

// Env sets the AWS SDK's environment for the provider: the emulator's
// region and static credentials, and no shared files.
func Env(t *testing.T) {
	t.Setenv("AWS_REGION", Region)
	t.Setenv("AWS_ACCESS_KEY_ID", AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
