package signer

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// Azure Key Vault (and Managed HSM): azurekms://VAULT.vault.azure.net/KEY[/VERSION];
// without VERSION the key's current version signs. Credentials, in the
// order of the Azure SDK's default chain: a service principal from the
// environment (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET),
// workload identity (AZURE_TENANT_ID, AZURE_CLIENT_ID and
// AZURE_FEDERATED_TOKEN_FILE, as AKS sets them), then managed identity
// (App Service's IDENTITY_ENDPOINT, or the instance metadata service).
// AZURE_AUTHORITY_HOST replaces https://login.microsoftonline.com. The
// identity needs the keys/get and keys/sign permissions (the "Key Vault
// Crypto User" role, or an access policy granting get and sign).
//
// Hand-written REST (keys/get-key and keys/sign of the Key Vault REST API,
// api-version 7.4) and a hand-written token request rather than azkeys and
// azidentity, whose azcore pipeline would be a dependency for three
// requests. (MSAL is one already, for the azure_managed_identity identity
// source; its managedidentity package could replace the two managed
// identity requests here.)

const azureAPIVersion = "7.4"

func init() { register(azureScheme) }

var azureScheme = scheme{name: "azurekms", form: "azurekms://VAULT.vault.azure.net/KEY[/VERSION]",
	check: func(rest string) error { _, _, _, err := parseAzure(rest); return err },
	open: func(rest string, env Env) (service, error) {
		host, name, version, _ := parseAzure(rest)
		return &azureKey{host: host, name: name, version: version, env: env}, nil
	}}

func parseAzure(rest string) (host, name, version string, err error) {
	parts := strings.Split(rest, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" || (len(parts) == 3 && parts[2] == "") {
		return "", "", "", errors.New("it must be VAULT.vault.azure.net/KEY or VAULT.vault.azure.net/KEY/VERSION")
	}
	if len(parts) == 3 {
		version = parts[2]
	}
	return parts[0], parts[1], version, nil
}

type azureKey struct {
	host, name, version string
	env                 Env

	mu      sync.Mutex
	token   string
	expires time.Time
	current string // the version read with the public key
	kind    string // RSA or EC, once the public key was read
}

// resource is the audience of Key Vault's tokens: the vault's DNS suffix
// (vault.azure.net, vault.azure.cn, managedhsm.azure.net, ...).
func (a *azureKey) resource() string {
	if _, suffix, ok := strings.Cut(a.host, "."); ok && !oauth.IsLoopback(hostname(a.host)) {
		return "https://" + suffix
	}
	return "https://vault.azure.net"
}

// azureErrors is Azure's error body: {"error": {"code", "message"}}; the
// token endpoint's is OAuth's {"error", "error_description"}.
func azureErrors(_ int, body []byte) *serviceError {
	var e struct {
		Error json.RawMessage `json:"error"`
		Desc  string          `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Error) == 0 {
		return nil
	}
	var inner struct{ Code, Message string }
	if json.Unmarshal(e.Error, &inner) == nil && (inner.Code != "" || inner.Message != "") {
		return &serviceError{Code: inner.Code, Message: inner.Message}
	}
	var code string
	_ = json.Unmarshal(e.Error, &code)
	return &serviceError{Code: code, Message: e.Desc}
}

// header is a bearer token for Key Vault, from the first credential the
// environment offers, registered with the sanitiser, kept until shortly
// before it expires.
func (a *azureKey) header(ctx context.Context) (http.Header, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token == "" || time.Until(a.expires) < time.Minute {
		tok, life, err := a.fetchToken(ctx)
		if err != nil {
			return nil, err
		}
		a.env.Redact.Remember(tok)
		a.token, a.expires = tok, time.Now().Add(life)
	}
	return http.Header{"Authorization": {"Bearer " + a.token}}, nil
}

func (a *azureKey) fetchToken(ctx context.Context) (string, time.Duration, error) {
	get := a.env.Getenv
	tenant, client := get("AZURE_TENANT_ID"), get("AZURE_CLIENT_ID")
	var out struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	var c call
	switch secret, fedFile := get("AZURE_CLIENT_SECRET"), get("AZURE_FEDERATED_TOKEN_FILE"); {
	case tenant != "" && client != "" && (secret != "" || fedFile != ""):
		authority := get("AZURE_AUTHORITY_HOST")
		if authority == "" {
			authority = "https://login.microsoftonline.com"
		}
		u, err := checkHTTPURL("AZURE_AUTHORITY_HOST", authority)
		if err != nil {
			return "", 0, err
		}
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "scope": {a.resource() + "/.default"}}
		if secret != "" {
			a.env.Redact.Remember(secret)
			form.Set("client_secret", secret)
		} else {
			b, err := os.ReadFile(fedFile)
			if err != nil {
				return "", 0, fmt.Errorf("AZURE_FEDERATED_TOKEN_FILE could not be read: %v", errors.Unwrap(err))
			}
			assertion := strings.TrimSpace(string(b))
			a.env.Redact.Remember(assertion)
			form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
			form.Set("client_assertion", assertion)
		}
		target := strings.TrimRight(u.String(), "/") + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/token"
		if err := a.env.do(ctx, call{method: http.MethodPost, url: target, form: form, errShape: azureErrors}, &out); err != nil {
			return "", 0, fmt.Errorf("no Key Vault token from Microsoft Entra ID: %w", err)
		}
	case get("IDENTITY_ENDPOINT") != "" && get("IDENTITY_HEADER") != "":
		// The endpoint's own credential, in a header; MSI_SECRET, the
		// older endpoint's, which the environment may hold beside it.
		a.env.Redact.Remember(get("IDENTITY_HEADER"), get("MSI_SECRET"))
		u, err := identityEndpoint(get("IDENTITY_ENDPOINT"))
		if err != nil {
			return "", 0, err
		}
		q := url.Values{"api-version": {"2019-08-01"}, "resource": {a.resource()}}
		if client != "" {
			q.Set("client_id", client)
		}
		c = call{method: http.MethodGet, url: withQuery(u, q),
			header: http.Header{"X-Identity-Header": {get("IDENTITY_HEADER")}}, errShape: azureErrors}
	default:
		q := url.Values{"api-version": {"2018-02-01"}, "resource": {a.resource()}}
		if client != "" {
			q.Set("client_id", client)
		}
		c = call{method: http.MethodGet, url: "http://169.254.169.254/metadata/identity/oauth2/token?" + q.Encode(),
			header: http.Header{"Metadata": {"true"}}, errShape: azureErrors}
	}
	if c.url != "" {
		// Off Azure nothing answers the metadata address: give up soon.
		mctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := a.env.do(mctx, c, &out); err != nil {
			return "", 0, fmt.Errorf("no Azure credentials (no service principal or workload identity in the environment, and managed identity answered: %w)", err)
		}
	}
	if out.AccessToken == "" {
		return "", 0, errors.New("the Azure token answer holds no access_token")
	}
	life := time.Hour
	var n json.Number
	if json.Unmarshal(out.ExpiresIn, &n) == nil { // a number, or a number in a string (json.Number takes both)
		if s, err := n.Int64(); err == nil && s > 0 {
			life = time.Duration(s) * time.Second
		}
	}
	return out.AccessToken, life, nil
}

// identityEndpoint is IDENTITY_ENDPOINT, checked as checkHTTPURL checks
// every address taken from the environment, except that plain http to a
// link-local address is taken too: App Service on Linux serves the
// endpoint there, as the instance metadata service is served, on a
// network no router forwards and no proxy is asked for.
func identityEndpoint(raw string) (*url.URL, error) {
	if u, err := url.Parse(raw); err == nil && u.Scheme == "http" {
		if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLinkLocalUnicast() {
			return u, nil
		}
	}
	return checkHTTPURL("IDENTITY_ENDPOINT", raw)
}

func (a *azureKey) keyURL() string {
	u := baseURL(a.host) + "/keys/" + url.PathEscape(a.name)
	if a.version != "" {
		u += "/" + url.PathEscape(a.version)
	}
	return u
}

func (a *azureKey) publicKey(ctx context.Context) (crypto.PublicKey, string, error) {
	h, err := a.header(ctx)
	if err != nil {
		return nil, "", err
	}
	var out struct {
		Key json.RawMessage `json:"key"`
	}
	if err := a.env.do(ctx, call{method: http.MethodGet, url: a.keyURL() + "?api-version=" + azureAPIVersion, header: h, errShape: azureErrors}, &out); err != nil {
		return nil, "", err
	}
	var meta struct {
		Kid    string   `json:"kid"`
		Kty    string   `json:"kty"`
		KeyOps []string `json:"key_ops"`
	}
	if err := json.Unmarshal(out.Key, &meta); err != nil {
		return nil, "", errors.New("Key Vault returned no key")
	}
	if !slices.Contains(meta.KeyOps, "sign") {
		return nil, "", fmt.Errorf("the key's permitted operations (%s) do not include sign", strings.Join(meta.KeyOps, ", "))
	}
	// go-jose reads the JWK once its kty is the plain one: RSA-HSM is RSA.
	var fields map[string]any
	_ = json.Unmarshal(out.Key, &fields)
	fields["kty"] = strings.TrimSuffix(meta.Kty, "-HSM")
	for _, private := range []string{"kid", "key_ops"} {
		delete(fields, private)
	}
	b, _ := json.Marshal(fields)
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(b); err != nil {
		return nil, "", fmt.Errorf("the key (kty %s) cannot be read: %v", meta.Kty, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if i := strings.LastIndex(meta.Kid, "/"); i >= 0 && a.version == "" {
		a.current = meta.Kid[i+1:]
	}
	switch jwk.Key.(type) {
	case *rsa.PublicKey:
		a.kind = "RSA"
	case *ecdsa.PublicKey:
		a.kind = "EC"
	default:
		return nil, "", fmt.Errorf("the key's type %s cannot sign JWTs", meta.Kty)
	}
	return jwk.Key, "", nil
}

func (a *azureKey) sign(ctx context.Context, digest []byte, h crypto.Hash, pss bool) ([]byte, error) {
	hdr, err := a.header(ctx)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	kind, alg, err := a.algorithm(h, pss)
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	target := a.keyURL()
	a.mu.Lock()
	if a.version == "" && a.current != "" {
		target += "/" + url.PathEscape(a.current) // the version whose public key was read
	}
	a.mu.Unlock()
	var out struct {
		Value string `json:"value"`
	}
	body := map[string]string{"alg": alg, "value": base64.RawURLEncoding.EncodeToString(digest)}
	if err := a.env.do(ctx, call{method: http.MethodPost, url: target + "/sign?api-version=" + azureAPIVersion, header: hdr, body: body, errShape: azureErrors}, &out); err != nil {
		return nil, err
	}
	sig, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(out.Value, "="))
	if err != nil || len(sig) == 0 {
		return nil, errors.New("Key Vault returned no base64url signature")
	}
	if kind == "EC" { // r || s, as JWS has it; crypto.Signer returns ASN.1
		return rawToASN1(sig)
	}
	return sig, nil
}

// algorithm is Key Vault's JWS name of a signature by key type, padding
// and hash; the key type is known once the public key was read.
func (a *azureKey) algorithm(h crypto.Hash, pss bool) (string, string, error) {
	bits := hashNames[h].bits
	switch {
	case a.kind == "RSA" && pss:
		return "RSA", "PS" + bits, nil
	case a.kind == "RSA":
		return "RSA", "RS" + bits, nil
	case a.kind == "EC":
		return "EC", "ES" + bits, nil
	}
	return "", "", errors.New("the key's type is not known yet")
}

// rawToASN1 turns a JWS ECDSA signature (r || s) into ASN.1 DER.
func rawToASN1(sig []byte) ([]byte, error) {
	if len(sig) == 0 || len(sig)%2 != 0 {
		return nil, errors.New("Key Vault returned an ECDSA signature of odd length")
	}
	r, s := new(big.Int).SetBytes(sig[:len(sig)/2]), new(big.Int).SetBytes(sig[len(sig)/2:])
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(s)
	})
	return b.Bytes()
}
