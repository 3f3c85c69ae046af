// Package signer owns keys that sign where they are held: a key service's
// key (AWS KMS, Vault or OpenBao Transit, Google Cloud KMS, Azure Key
// Vault), named by a URI in the convention cosign and sigstore use, behind
// crypto.Signer. Each service is one file; a Key satisfies
// oauth.KeySource, so every signer of the protocol package (client
// assertions, JWT bearer assertions, DPoP proofs, the mutual-TLS
// handshake) uses it as it uses a PEM key. The private key never reaches
// the provider; the service's credentials are registered with the
// sanitiser as they are read, and its error codes and messages reach the
// user sanitised.
package signer

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// Env is what a key service needs from its surroundings.
type Env struct {
	// Redact is the provider instance's registry: the service's
	// credentials are registered with it when they are read, and its
	// messages pass it.
	Redact *redact.Registry
	// Getenv reads the process environment; os.Getenv by default.
	Getenv func(string) string
	// HTTP is the client of the services called over REST; one with a
	// 30 s timeout and the environment's proxy by default.
	HTTP *http.Client
	// Attempts bounds the calls made for one signature or public key
	// (connection errors, 429 and 5xx are retried); 3 by default.
	Attempts int
	// Wait is the first pause between attempts, doubled each time; 200 ms
	// by default.
	Wait time.Duration
}

func (e Env) withDefaults() Env {
	if e.Redact == nil {
		e.Redact = redact.New()
	}
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	if e.HTTP == nil {
		e.HTTP = &http.Client{Timeout: 30 * time.Second, Transport: defaultTransport(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if e.Attempts <= 0 {
		e.Attempts = 3
	}
	if e.Wait <= 0 {
		e.Wait = 200 * time.Millisecond
	}
	return e
}

// defaultTransport is Go's, with the environment's proxy for every host
// but the metadata servers (the Key Vault managed identity's token comes
// from http://169.254.169.254 in clear: through a proxy it would cross the
// network) and loopback ones, which are reached directly.
func defaultTransport() *http.Transport {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok { // replaced by someone: start from Go's defaults
		base = &http.Transport{}
	}
	t := base.Clone()
	t.Proxy = proxy
	return t
}

// proxyFromEnvironment is the proxy before oauth.ProxyUnlessLocal's rule;
// a variable so that tests can stand in a proxy without the environment,
// which net/http reads once per process.
var proxyFromEnvironment = http.ProxyFromEnvironment

func proxy(r *http.Request) (*url.URL, error) {
	return oauth.ProxyUnlessLocal(proxyFromEnvironment)(r)
}

// service is one key service's calls for one key.
type service interface {
	// publicKey is the key's public half and, when the key fixes it (a
	// Cloud KMS key version is PSS or PKCS#1 v1.5), its JWS algorithm.
	publicKey(ctx context.Context) (crypto.PublicKey, string, error)
	// sign signs a digest made with h; pss asks for RSASSA-PSS with a salt
	// as long as the hash. ECDSA signatures are ASN.1 DER, as
	// crypto.Signer returns them.
	sign(ctx context.Context, digest []byte, h crypto.Hash, pss bool) ([]byte, error)
}

// scheme is one URI scheme: how its URIs are checked and opened.
type scheme struct {
	name, form string
	check      func(rest string) error
	open       func(rest string, env Env) (service, error)
}

// schemes are the key services built in, each registered by its own file
// (in file-name order): adding a service is adding a file.
var schemes []scheme

func register(s scheme) { schemes = append(schemes, s) }

// Schemes lists the URI forms, for descriptions and messages.
func Schemes() []string {
	out := make([]string, len(schemes))
	for i, s := range schemes {
		out[i] = s.form
	}
	return out
}

func schemeOf(uri string) (scheme, string, error) {
	name, rest, ok := strings.Cut(uri, "://")
	for _, s := range schemes {
		if ok && s.name == name {
			return s, rest, nil
		}
	}
	return scheme{}, "", fmt.Errorf("%q names no key service this provider knows; use %s", uri, strings.Join(Schemes(), ", "))
}

// CheckURI checks a key URI's scheme and shape without calling anything.
func CheckURI(uri string) error {
	s, rest, err := schemeOf(uri)
	if err != nil {
		return err
	}
	if err := s.check(rest); err != nil {
		return fmt.Errorf("%q is not a %s URI: %v", uri, s.form, err)
	}
	return nil
}

// Key is a key held by a key service. Opening it calls nothing; the
// public key is fetched when the key is first used, and kept.
type Key struct {
	uri string
	svc service
	env Env

	mu  sync.Mutex
	pub crypto.PublicKey
	alg string
}

// Open returns the key uri names.
func Open(uri string, env Env) (*Key, error) {
	if err := CheckURI(uri); err != nil {
		return nil, err
	}
	s, rest, _ := schemeOf(uri)
	env = env.withDefaults()
	svc, err := s.open(rest, env)
	if err != nil {
		return nil, &Error{URI: uri, Reason: err.Error(), san: env.Redact}
	}
	return &Key{uri: uri, svc: svc, env: env}, nil
}

// URI names the key.
func (k *Key) URI() string { return k.uri }

// Public is the key's public half and its JWS algorithm, fetched once.
func (k *Key) Public(ctx context.Context) (crypto.PublicKey, string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.pub != nil {
		return k.pub, k.alg, nil
	}
	pub, alg, err := k.svc.publicKey(ctx)
	if err != nil {
		return nil, "", k.wrap(err)
	}
	switch pub.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return nil, "", &Error{URI: k.uri, Reason: fmt.Sprintf("the key's type %T cannot sign JWTs", pub), san: k.env.Redact}
	}
	k.pub, k.alg = pub, alg
	return pub, alg, nil
}

// Signer is the key for calls made under ctx.
func (k *Key) Signer(ctx context.Context) (crypto.Signer, error) {
	pub, alg, err := k.Public(ctx)
	if err != nil {
		return nil, err
	}
	return &boundSigner{k: k, ctx: ctx, pub: pub, alg: alg}, nil
}

// boundSigner is a Key's crypto.Signer for one context.
type boundSigner struct {
	k   *Key
	ctx context.Context
	pub crypto.PublicKey
	alg string
}

func (s *boundSigner) Public() crypto.PublicKey { return s.pub }

// JWSAlgorithm is the algorithm the key fixes, "" when it fixes none.
func (s *boundSigner) JWSAlgorithm() string { return s.alg }

func (s *boundSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	h := opts.HashFunc()
	if h == 0 || len(digest) != h.Size() {
		return nil, &Error{URI: s.k.uri, Reason: "a key service signs digests only (SHA-256, SHA-384 or SHA-512)", san: s.k.env.Redact}
	}
	p, pss := opts.(*rsa.PSSOptions)
	if pss {
		if p.SaltLength != rsa.PSSSaltLengthEqualsHash && p.SaltLength != h.Size() && p.SaltLength != rsa.PSSSaltLengthAuto {
			return nil, &Error{URI: s.k.uri, Reason: "a key service signs RSASSA-PSS with a salt as long as the hash only", san: s.k.env.Redact}
		}
	}
	sig, err := s.k.svc.sign(s.ctx, digest, h, pss)
	if err != nil {
		return nil, s.k.wrap(err)
	}
	return sig, nil
}

// Error is a key service's failure: the key's URI, what was asked, and the
// service's code and message, sanitised.
type Error struct {
	URI    string
	Reason string
	san    *redact.Registry
}

func (e *Error) Error() string {
	return e.san.Sanitize(fmt.Sprintf("the key service could not use %s: %s", e.URI, e.Reason), 1000)
}

// wrap names the key's URI in a service's error.
func (k *Key) wrap(err error) error {
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	return &Error{URI: k.uri, Reason: err.Error(), san: k.env.Redact}
}

// serviceError is a service's answer that is an error: its code and
// message, as the service wrote them.
type serviceError struct {
	Status        int
	Code, Message string
}

func (e *serviceError) Error() string {
	var b strings.Builder
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.Status)
	}
	if e.Code != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// retryable: 429 and every 5xx, 501 included, are worth another attempt in
// Env.do's own loop: Env.Attempts in all, the pause starting at Env.Wait
// and doubling, or Retry-After's seconds, capped at 10 s, when given.
func (e *serviceError) retryable() bool { return e.Status == 429 || e.Status >= 500 }

// hostname is a host or host:port's host, without an IPv6 address's
// brackets.
func hostname(hostport string) string { return (&url.URL{Host: hostport}).Hostname() }

// baseURL is https://host, or http://host for a loopback host.
func baseURL(host string) string {
	if oauth.IsLoopback(hostname(host)) {
		return "http://" + host
	}
	return "https://" + host
}

// checkHTTPURL refuses plain http but to loopback hosts, for addresses
// taken from the environment (VAULT_ADDR, an endpoint override).
func checkHTTPURL(name, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%s is not an http(s) URL", name)
	}
	if u.Scheme == "http" && !oauth.IsLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%s uses plain http to a host that is not loopback; use https", name)
	}
	return u, nil
}

// withQuery is u with q added to the query it already has (an endpoint
// taken from the environment may carry one).
func withQuery(u *url.URL, q url.Values) string {
	v := u.Query()
	for k, vs := range q {
		v[k] = vs
	}
	c := *u
	c.RawQuery = v.Encode()
	return c.String()
}

// pemPublicKey parses the PEM public key a service answers with (Cloud
// KMS, Vault Transit); whose names the key in errors.
func pemPublicKey(text, whose string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, fmt.Errorf("%s public key is not PEM", whose)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s public key does not parse: %v", whose, err)
	}
	return pub, nil
}

// hashNames are the digests the services sign, in each service's words:
// Vault Transit's hash_algorithm, Cloud KMS's digest field, and the bits
// AWS KMS and Key Vault put in their algorithms' names. A hash not here
// has blank names.
var hashNames = map[crypto.Hash]struct{ vault, gcp, bits string }{
	crypto.SHA256: {"sha2-256", "sha256", "256"},
	crypto.SHA384: {"sha2-384", "sha384", "384"},
	crypto.SHA512: {"sha2-512", "sha512", "512"},
}
