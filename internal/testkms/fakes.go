package testkms

// Small servers for the key services no emulator of which can be installed
// here: Vault/OpenBao Transit, Google Cloud KMS and Azure Key Vault. Each
// is written from the service's public API documentation, holds real keys,
// signs with them, and refuses a request that a real service would refuse
// for its shape: a missing or wrong credential header, a wrong path or
// method, a body without the fields the service requires.
//
//   - Vault Transit: https://developer.hashicorp.com/vault/api-docs/secret/transit
//     ("Read key": GET /v1/:mount/keys/:name; "Sign data":
//     POST /v1/:mount/sign/:name(/:hash_algorithm) with input, prehashed,
//     key_version, signature_algorithm, marshaling_algorithm, salt_length;
//     the token in X-Vault-Token; errors as {"errors": [...]}).
//   - Cloud KMS: https://cloud.google.com/kms/docs/reference/rest/v1/projects.locations.keyRings.cryptoKeys.cryptoKeyVersions/getPublicKey
//     and .../asymmetricSign (GET .../cryptoKeyVersions/V/publicKey;
//     POST .../cryptoKeyVersions/V:asymmetricSign with {"digest": {"sha256": ...}};
//     Authorization: Bearer; errors as {"error": {"code", "message", "status"}}).
//   - Key Vault: https://learn.microsoft.com/rest/api/keyvault/keys/get-key/get-key
//     and https://learn.microsoft.com/rest/api/keyvault/keys/sign/sign
//     (GET /keys/NAME[/VERSION]?api-version=7.4; POST
//     /keys/NAME/VERSION/sign?api-version=7.4 with {"alg", "value"} in
//     base64url; Authorization: Bearer; errors as {"error": {"code",
//     "message"}}), and Microsoft identity platform's client-credentials
//     token request (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

// Fake is one fake service: its URL, and what it was asked.
type Fake struct {
	URL   string
	CAPEM string // the server's certificate, when it serves https

	mu       sync.Mutex
	requests testhelp.Log[string] // "METHOD path", for assertions
	keys     map[string]crypto.Signer
	purpose  map[string]string // a key's kind beyond signing: "encrypt"
	fail     map[string]int    // path prefix -> status to answer once
	versions testhelp.Log[int] // the key_version of each Vault sign request, 0 when none was named
}

// SignedVersions lists the key_version each Vault sign request named (0
// for none: Vault's latest).
func (f *Fake) SignedVersions() []int { return f.versions.All() }

// Requests lists what the service was asked, as "METHOD path".
func (f *Fake) Requests() []string { return f.requests.All() }

// FailOnce answers the next request whose path starts with prefix with
// status (a 503, say, to exercise retries).
func (f *Fake) FailOnce(prefix string, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[prefix] = status
}

func (f *Fake) record(r *http.Request) (status int) {
	f.requests.Add(r.Method + " " + r.URL.Path)
	f.mu.Lock()
	defer f.mu.Unlock()
	for p, s := range f.fail {
		if strings.HasPrefix(r.URL.Path, p) {
			delete(f.fail, p)
			return s
		}
	}
	return 0
}

// AddKey gives the service a signing key named name.
func (f *Fake) AddKey(name string, key crypto.Signer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys[name] = key
}

// AddEncryptionKey gives the service a key that does not sign.
func (f *Fake) AddEncryptionKey(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.purpose[name] = "encrypt"
}

func (f *Fake) key(name string) (crypto.Signer, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keys[name], f.purpose[name]
}

func newFake(t testing.TB, h func(f *Fake) http.Handler) *Fake { return newFakeOn(t, false, h) }

func newFakeOn(t testing.TB, useTLS bool, h func(f *Fake) http.Handler) *Fake {
	f := &Fake{keys: map[string]crypto.Signer{}, purpose: map[string]string{}, fail: map[string]int{}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := f.record(r); s != 0 {
			w.WriteHeader(s)
			return
		}
		h(f).ServeHTTP(w, r)
	}))
	if useTLS {
		srv.StartTLS()
		f.CAPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func publicPEM(k crypto.Signer) string {
	der, _ := x509.MarshalPKIXPublicKey(k.Public())
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

var hashes = map[string]crypto.Hash{"sha2-256": crypto.SHA256, "sha2-384": crypto.SHA384, "sha2-512": crypto.SHA512,
	"sha256": crypto.SHA256, "sha384": crypto.SHA384, "sha512": crypto.SHA512}

// signDigest signs as the services do: PKCS#1 v1.5 or PSS (salt as long
// as the hash) for RSA, ASN.1 DER for ECDSA.
func signDigest(k crypto.Signer, digest []byte, h crypto.Hash, pss bool) ([]byte, error) {
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("the digest has %d bytes; %v needs %d", len(digest), h, h.Size())
	}
	var opts crypto.SignerOpts = h
	if pss {
		opts = &rsa.PSSOptions{Hash: h, SaltLength: rsa.PSSSaltLengthEqualsHash}
	}
	return k.Sign(rand.Reader, digest, opts)
}

// StartVault runs a Vault Transit API that accepts only token, mounted at
// mount.
func StartVault(t testing.TB, token, mount string) *Fake { return startVault(t, false, token, mount) }

// StartVaultTLS is StartVault over https, with a certificate of its own
// (CAPEM).
func StartVaultTLS(t testing.TB, token, mount string) *Fake { return startVault(t, true, token, mount) }

func startVault(t testing.TB, useTLS bool, token, mount string) *Fake {
	return newFakeOn(t, useTLS, func(f *Fake) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Vault-Token") != token { // the token echoed, as a careless proxy or plugin might
				writeJSON(w, http.StatusForbidden, map[string]any{"errors": []string{"permission denied for token " + r.Header.Get("X-Vault-Token")}})
				return
			}
			prefix := "/v1/" + mount + "/"
			rest, ok := strings.CutPrefix(r.URL.Path, prefix)
			if !ok {
				writeJSON(w, http.StatusNotFound, map[string]any{"errors": []string{"no handler for route \"" + r.URL.Path + "\""}})
				return
			}
			parts := strings.Split(rest, "/")
			switch {
			case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "keys":
				vaultReadKey(f, w, parts[1])
			case r.Method == http.MethodPost && (len(parts) == 2 || len(parts) == 3) && parts[0] == "sign":
				alg := "sha2-256"
				if len(parts) == 3 {
					alg = parts[2]
				}
				vaultSign(f, w, r, parts[1], alg)
			default:
				writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"errors": []string{"unsupported operation"}})
			}
		})
	})
}

func vaultReadKey(f *Fake, w http.ResponseWriter, name string) {
	k, purpose := f.key(name)
	if purpose == "encrypt" {
		writeJSON(w, 200, map[string]any{"data": map[string]any{"type": "aes256-gcm96", "supports_signing": false, "latest_version": 1,
			"keys": map[string]any{"1": 1700000000}}})
		return
	}
	if k == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": []string{}})
		return
	}
	typ := "rsa-2048"
	if ek, ok := k.Public().(*ecdsa.PublicKey); ok {
		typ = "ecdsa-p" + strings.TrimPrefix(ek.Curve.Params().Name, "P-")
	}
	writeJSON(w, 200, map[string]any{"data": map[string]any{"name": name, "type": typ, "supports_signing": true, "latest_version": 2,
		"keys": map[string]any{
			"1": map[string]any{"public_key": publicPEM(RSAKeyOnce()), "name": "rsa-2048"}, // an older version, another key
			"2": map[string]any{"public_key": publicPEM(k), "name": typ, "creation_time": "2026-11-01T00:00:00Z"},
		}}})
}

var (
	olderOnce sync.Once
	older     *rsa.PrivateKey
)

// RSAKeyOnce is one key made for every fake's "older version".
func RSAKeyOnce() *rsa.PrivateKey {
	olderOnce.Do(func() { older, _ = rsa.GenerateKey(rand.Reader, 2048) })
	return older
}

func vaultSign(f *Fake, w http.ResponseWriter, r *http.Request, name, hashAlg string) {
	var body struct {
		Input               string `json:"input"`
		Prehashed           bool   `json:"prehashed"`
		KeyVersion          int    `json:"key_version"`
		SignatureAlgorithm  string `json:"signature_algorithm"`
		MarshalingAlgorithm string `json:"marshaling_algorithm"`
		SaltLength          string `json:"salt_length"`
	}
	if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil {
		writeJSON(w, 400, map[string]any{"errors": []string{"failed to parse JSON input"}})
		return
	}
	f.versions.Add(body.KeyVersion)
	k, _ := f.key(name)
	h, okHash := hashes[hashAlg]
	digest, err := base64.StdEncoding.DecodeString(body.Input)
	switch {
	case k == nil:
		writeJSON(w, 400, map[string]any{"errors": []string{"signing key not found"}})
		return
	case !okHash:
		writeJSON(w, 400, map[string]any{"errors": []string{"unsupported hash algorithm " + hashAlg}})
		return
	case err != nil || !body.Prehashed:
		writeJSON(w, 400, map[string]any{"errors": []string{"the test server signs prehashed base64 input only"}})
		return
	case body.KeyVersion != 0 && body.KeyVersion != 2:
		writeJSON(w, 400, map[string]any{"errors": []string{fmt.Sprintf("the test server signs with version 2 only, not %d", body.KeyVersion)}})
		return
	case body.MarshalingAlgorithm != "" && body.MarshalingAlgorithm != "asn1":
		writeJSON(w, 400, map[string]any{"errors": []string{"the test server marshals asn1 only"}})
		return
	}
	_, isRSA := k.Public().(*rsa.PublicKey)
	pss := isRSA && body.SignatureAlgorithm == "pss"
	if pss && body.SaltLength != "hash" {
		writeJSON(w, 400, map[string]any{"errors": []string{"the test server salts PSS with the hash length only"}})
		return
	}
	sig, err := signDigest(k, digest, h, pss)
	if err != nil {
		writeJSON(w, 400, map[string]any{"errors": []string{err.Error()}})
		return
	}
	writeJSON(w, 200, map[string]any{"data": map[string]any{"signature": "vault:v2:" + base64.StdEncoding.EncodeToString(sig), "key_version": 2}})
}

// StartCloudKMS runs Cloud KMS's getPublicKey and asymmetricSign for keys
// named by their full resource names, accepting only token. A key's
// algorithm follows its type (EC_SIGN_P256_SHA256, RSA_SIGN_PKCS1_2048_SHA256,
// or with pssKeys RSA_SIGN_PSS_2048_SHA256).
func StartCloudKMS(t testing.TB, token string, pssKeys ...string) *Fake {
	return newFake(t, func(f *Fake) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gerr := func(status int, code, msg string) {
				writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "message": msg, "status": code}})
			}
			if r.Header.Get("Authorization") != "Bearer "+token { // the credential echoed, as a careless proxy might
				gerr(401, "UNAUTHENTICATED", "Request had invalid authentication credentials ("+r.Header.Get("Authorization")+"). Expected OAuth 2 access token.")
				return
			}
			path, _ := strings.CutPrefix(r.URL.Path, "/v1/")
			var name, op string
			switch {
			case r.Method == http.MethodGet && strings.HasSuffix(path, "/publicKey"):
				name, op = strings.TrimSuffix(path, "/publicKey"), "publicKey"
			case r.Method == http.MethodPost && strings.HasSuffix(path, ":asymmetricSign"):
				name, op = strings.TrimSuffix(path, ":asymmetricSign"), "sign"
			default:
				gerr(404, "NOT_FOUND", "The requested URL was not found on this server.")
				return
			}
			k, purpose := f.key(name)
			switch {
			case purpose == "encrypt":
				gerr(400, "FAILED_PRECONDITION", "Operation requires key purpose ASYMMETRIC_SIGN, but key "+name+" has purpose ENCRYPT_DECRYPT.")
				return
			case k == nil:
				gerr(404, "NOT_FOUND", name+" not found.")
				return
			}
			alg := "EC_SIGN_P256_SHA256"
			if ek, ok := k.Public().(*ecdsa.PublicKey); ok && ek.Curve == elliptic.P384() {
				alg = "EC_SIGN_P384_SHA384"
			}
			pss := false
			if _, ok := k.Public().(*rsa.PublicKey); ok {
				alg = "RSA_SIGN_PKCS1_2048_SHA256"
				for _, p := range pssKeys {
					if p == name {
						alg, pss = "RSA_SIGN_PSS_2048_SHA256", true
					}
				}
			}
			if op == "publicKey" {
				writeJSON(w, 200, map[string]any{"pem": publicPEM(k), "algorithm": alg, "name": name, "protectionLevel": "HSM"})
				return
			}
			var body struct {
				Digest map[string]string `json:"digest"`
			}
			if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil || len(body.Digest) != 1 {
				gerr(400, "INVALID_ARGUMENT", "Invalid JSON payload received: a digest of one kind is required.")
				return
			}
			for kind, v := range body.Digest {
				want := map[string]string{"EC_SIGN_P384_SHA384": "sha384"}[alg]
				if want == "" {
					want = "sha256"
				}
				digest, err := base64.StdEncoding.DecodeString(v)
				if kind != want || err != nil {
					gerr(400, "INVALID_ARGUMENT", "The digest type "+kind+" does not match the key's algorithm "+alg+".")
					return
				}
				sig, err := signDigest(k, digest, hashes[kind], pss)
				if err != nil {
					gerr(400, "INVALID_ARGUMENT", err.Error())
					return
				}
				writeJSON(w, 200, map[string]any{"signature": base64.StdEncoding.EncodeToString(sig), "name": name, "verifiedDigestCrc32c": false})
			}
		})
	})
}

// StartKeyVault runs a Key Vault (keys NAME, current version "v2") and
// Microsoft Entra ID's token endpoint for tenant, which gives token to
// the client with secret.
func StartKeyVault(t testing.TB, tenant, clientID, secret, token string) *Fake {
	return newFake(t, func(f *Fake) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			kerr := func(status int, code, msg string) {
				writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
			}
			if r.URL.Path == "/"+tenant+"/oauth2/v2.0/token" {
				_ = r.ParseForm()
				switch {
				case r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "client_credentials":
					writeJSON(w, 400, map[string]any{"error": "unsupported_grant_type", "error_description": "AADSTS70003: the grant is not supported"})
				case r.PostForm.Get("client_id") != clientID || r.PostForm.Get("client_secret") != secret:
					writeJSON(w, 401, map[string]any{"error": "invalid_client", // the secret echoed, as a careless proxy might
						"error_description": "AADSTS7000215: Invalid client secret provided: " + r.PostForm.Get("client_secret")})
				case r.PostForm.Get("scope") != "https://vault.azure.net/.default":
					writeJSON(w, 400, map[string]any{"error": "invalid_scope", "error_description": "AADSTS70011: the scope is not valid"})
				default:
					writeJSON(w, 200, map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": 3599})
				}
				return
			}
			if r.Header.Get("Authorization") != "Bearer "+token {
				kerr(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
				return
			}
			if r.URL.Query().Get("api-version") == "" {
				kerr(400, "BadParameter", "The 'api-version' query parameter is missing.")
				return
			}
			parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/keys/"), "/")
			if !strings.HasPrefix(r.URL.Path, "/keys/") || len(parts) > 3 {
				kerr(404, "NotFound", "no route")
				return
			}
			k, purpose := f.key(parts[0])
			if k == nil && purpose == "" {
				kerr(404, "KeyNotFound", "A key with (name/id) "+parts[0]+" was not found in this key vault.")
				return
			}
			if len(parts) >= 2 && parts[1] != "v2" {
				kerr(404, "KeyNotFound", "A key with (name/id) "+parts[0]+"/"+parts[1]+" was not found in this key vault.")
				return
			}
			kid := f.URL + "/keys/" + parts[0] + "/v2"
			switch {
			case r.Method == http.MethodGet && len(parts) <= 2:
				jwk := map[string]any{"kid": kid, "key_ops": []string{"sign", "verify"}}
				if purpose == "encrypt" {
					jwk["kty"], jwk["key_ops"] = "oct-HSM", []string{"encrypt", "decrypt"}
				} else {
					switch p := k.Public().(type) {
					case *rsa.PublicKey:
						jwk["kty"], jwk["n"], jwk["e"] = "RSA-HSM", b64(p.N.Bytes()), b64(big.NewInt(int64(p.E)).Bytes())
					case *ecdsa.PublicKey:
						// The uncompressed point: 0x04 || x || y.
						raw, _ := p.Bytes()
						size := (len(raw) - 1) / 2
						jwk["kty"], jwk["crv"], jwk["x"], jwk["y"] = "EC", p.Curve.Params().Name, b64(raw[1:1+size]), b64(raw[1+size:])
					}
				}
				writeJSON(w, 200, map[string]any{"key": jwk, "attributes": map[string]any{"enabled": true}})
			case r.Method == http.MethodPost && len(parts) == 3 && parts[2] == "sign":
				if purpose == "encrypt" {
					kerr(403, "Forbidden", "Operation sign is not permitted on this key.")
					return
				}
				var body struct{ Alg, Value string }
				if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil {
					kerr(400, "BadParameter", "Property 'alg' and 'value' are required.")
					return
				}
				digest, err := base64.RawURLEncoding.DecodeString(body.Value)
				h := map[string]crypto.Hash{"RS256": crypto.SHA256, "PS256": crypto.SHA256, "ES256": crypto.SHA256, "ES384": crypto.SHA384,
					"RS384": crypto.SHA384, "PS384": crypto.SHA384, "RS512": crypto.SHA512, "PS512": crypto.SHA512, "ES512": crypto.SHA512}[body.Alg]
				if err != nil || h == 0 {
					kerr(400, "BadParameter", "Invalid algorithm or value.")
					return
				}
				sig, err := signDigest(k, digest, h, strings.HasPrefix(body.Alg, "PS"))
				if err != nil {
					kerr(400, "BadParameter", err.Error())
					return
				}
				if ek, ok := k.Public().(*ecdsa.PublicKey); ok { // JWS form: r || s
					var rs struct{ R, S *big.Int }
					if _, err := asn1Unmarshal(sig, &rs); err != nil {
						kerr(500, "InternalError", err.Error())
						return
					}
					size := (ek.Curve.Params().BitSize + 7) / 8
					sig = append(rs.R.FillBytes(make([]byte, size)), rs.S.FillBytes(make([]byte, size))...)
				}
				writeJSON(w, 200, map[string]any{"kid": kid, "value": b64(sig)})
			default:
				kerr(405, "MethodNotAllowed", "no such operation")
			}
		})
	})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func asn1Unmarshal(b []byte, v any) ([]byte, error) { return asn1.Unmarshal(b, v) }
