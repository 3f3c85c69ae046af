package signer

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Vault or OpenBao Transit: hashivault://KEY, KEY the name of a Transit
// key. The server is VAULT_ADDR (https://127.0.0.1:8200 by default), the
// token VAULT_TOKEN (or ~/.vault-token), the namespace VAULT_NAMESPACE, the
// CA bundle VAULT_CACERT (the system's roots by default), the
// mount TRANSIT_SECRET_ENGINE_PATH ("transit" by default). The key's
// latest version signs, named explicitly so that a rotation between reading
// the public key and signing cannot mismatch them. The token needs the
// "read" capability on TRANSIT/keys/KEY and "update" on TRANSIT/sign/KEY/*.
//
// Hand-written REST rather than github.com/hashicorp/vault/api: two calls
// whose shape is documented (https://developer.hashicorp.com/vault/api-docs/secret/transit),
// against a client library with a large dependency tree.

func init() { register(vaultScheme) }

var vaultScheme = scheme{name: "hashivault", form: "hashivault://KEY",
	check: func(rest string) error {
		if rest == "" || strings.ContainsAny(rest, "/?#") {
			return errors.New("the Transit key name is missing or holds a '/', '?' or '#'")
		}
		return nil
	},
	open: func(rest string, env Env) (service, error) {
		addr := env.Getenv("VAULT_ADDR")
		if addr == "" {
			addr = "https://127.0.0.1:8200"
		}
		u, err := checkHTTPURL("VAULT_ADDR", addr)
		if err != nil {
			return nil, err
		}
		if ca := env.Getenv("VAULT_CACERT"); ca != "" {
			hc, err := withCA(env.HTTP, ca)
			if err != nil {
				return nil, fmt.Errorf("VAULT_CACERT: %v", err)
			}
			env.HTTP = hc
		}
		mount := strings.Trim(env.Getenv("TRANSIT_SECRET_ENGINE_PATH"), "/")
		if mount == "" {
			mount = "transit"
		}
		return &vaultKey{base: strings.TrimRight(u.String(), "/") + "/v1/" + mount, name: rest, env: env}, nil
	}}

type vaultKey struct {
	base, name string
	env        Env

	mu      sync.Mutex
	version int
}

// header carries the token, read when a call is made and registered with
// the sanitiser, and the namespace.
func (v *vaultKey) header() (http.Header, error) {
	token := strings.TrimSpace(v.env.Getenv("VAULT_TOKEN"))
	if token == "" {
		if home, err := os.UserHomeDir(); err == nil {
			b, _ := os.ReadFile(filepath.Join(home, ".vault-token"))
			token = strings.TrimSpace(string(b))
		}
	}
	if token == "" {
		return nil, errors.New("no Vault token: set VAULT_TOKEN")
	}
	v.env.Redact.Remember(token)
	h := http.Header{"X-Vault-Token": {token}, "X-Vault-Request": {"true"}}
	if ns := v.env.Getenv("VAULT_NAMESPACE"); ns != "" {
		h.Set("X-Vault-Namespace", ns)
	}
	return h, nil
}

// vaultErrors is Vault's error body: {"errors": ["..."]}.
func vaultErrors(_ int, body []byte) *serviceError {
	var e struct{ Errors []string }
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		return nil
	}
	return &serviceError{Message: strings.Join(e.Errors, "; ")}
}

func (v *vaultKey) publicKey(ctx context.Context) (crypto.PublicKey, string, error) {
	h, err := v.header()
	if err != nil {
		return nil, "", err
	}
	var out struct {
		Data struct {
			Type            string `json:"type"`
			SupportsSigning bool   `json:"supports_signing"`
			LatestVersion   int    `json:"latest_version"`
			Keys            map[string]json.RawMessage
		}
	}
	if err := v.env.do(ctx, call{method: http.MethodGet, url: v.base + "/keys/" + url.PathEscape(v.name), header: h, errShape: vaultErrors}, &out); err != nil {
		return nil, "", err
	}
	d := out.Data
	if !d.SupportsSigning {
		return nil, "", fmt.Errorf("the Transit key is of type %s, which does not sign", d.Type)
	}
	var ver struct {
		PublicKey string `json:"public_key"`
	}
	raw, ok := d.Keys[strconv.Itoa(d.LatestVersion)]
	if !ok || json.Unmarshal(raw, &ver) != nil || ver.PublicKey == "" {
		return nil, "", fmt.Errorf("the Transit key (type %s) gives no public key for its latest version %d", d.Type, d.LatestVersion)
	}
	pub, err := pemPublicKey(ver.PublicKey, "the Transit key's")
	if err != nil {
		return nil, "", err
	}
	v.mu.Lock()
	v.version = d.LatestVersion
	v.mu.Unlock()
	return pub, "", nil
}

func (v *vaultKey) sign(ctx context.Context, digest []byte, h crypto.Hash, pss bool) ([]byte, error) {
	hdr, err := v.header()
	if err != nil {
		return nil, err
	}
	body := map[string]any{"input": base64.StdEncoding.EncodeToString(digest), "prehashed": true, "marshaling_algorithm": "asn1"}
	v.mu.Lock()
	if v.version > 0 {
		body["key_version"] = v.version
	}
	v.mu.Unlock()
	if pss {
		body["signature_algorithm"], body["salt_length"] = "pss", "hash"
	} else {
		body["signature_algorithm"] = "pkcs1v15" // ignored for ECDSA and Ed25519 keys
	}
	var out struct {
		Data struct {
			Signature string `json:"signature"`
		}
	}
	target := v.base + "/sign/" + url.PathEscape(v.name) + "/" + hashNames[h].vault
	if err := v.env.do(ctx, call{method: http.MethodPost, url: target, header: hdr, body: body, errShape: vaultErrors}, &out); err != nil {
		return nil, err
	}
	// "vault:v<version>:<base64 signature>"
	parts := strings.SplitN(out.Data.Signature, ":", 3)
	if len(parts) != 3 || parts[0] != "vault" {
		return nil, errors.New("the Transit signature is not of the form vault:vN:BASE64")
	}
	sig, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("the Transit signature is not base64")
	}
	return sig, nil
}

// withCA is hc trusting the PEM certificates in file instead of the
// system's roots.
func withCA(hc *http.Client, file string) (*http.Client, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, errors.New("the file holds no PEM certificate")
	}
	tr := defaultTransport()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	cp := *hc
	cp.Transport = tr
	return &cp, nil
}
