package oauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// Defaults for Config fields left at their zero value.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxRetries     = 3
	DefaultRetryWaitMin   = 1 * time.Second
	DefaultRetryWaitMax   = 30 * time.Second
	DefaultRetryBudget    = 2 * time.Minute
)

// Config is the transport policy shared by every request a Client makes.
type Config struct {
	// RequestTimeout bounds one HTTP attempt, from dial to the last body byte.
	RequestTimeout time.Duration
	// MaxRetries is how many times a transient failure (connection error,
	// 429, 5xx but 501) is retried; DefaultMaxRetries when zero. 4xx
	// answers are final.
	MaxRetries int
	// NoRetries turns retries off, whatever MaxRetries says.
	NoRetries bool
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// attempts; a Retry-After header on 429/503 takes precedence.
	RetryWaitMin, RetryWaitMax time.Duration
	// RetryBudget bounds one operation, all attempts and waits included.
	RetryBudget time.Duration
	// CACertPEM holds extra trusted roots, added to the system pool.
	CACertPEM []byte
	// AllowInsecureHTTP permits http:// to hosts other than loopback.
	AllowInsecureHTTP bool
	// UserAgent is sent with every request.
	UserAgent string
	// Now is the clock for expires_at; time.Now when nil.
	Now func() time.Time
	// Logger receives one line per attempt and answer; never a body or header.
	Logger Logger
	// MinRemaining is the lifetime a kept token needs to be reused;
	// DefaultMinRemaining when zero.
	MinRemaining time.Duration
	// Store, when set, keeps tokens across processes.
	Store TokenStore
	// Redact is the provider instance's registry of known credentials;
	// NewClient makes an empty one when nil. Every secret the client reads
	// or receives is added to it, and every server text it shows passes it.
	Redact *redact.Registry
}

// Logger is the structured log sink; the provider wires it to tflog.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
}

// Client performs discovery and token requests under one Config. It is safe
// for concurrent use.
type Client struct {
	cfg Config
	// credentialed carries credentials (a token request, a revocation, a
	// CI platform's request token) and follows no redirect; anonymous
	// carries none (discovery) and follows redirects on one origin.
	credentialed, anonymous *http.Client
	// metadata reaches a cloud metadata server: plain http, never proxied,
	// no redirects.
	metadataServer *http.Client
	tokens         shared[*Token]
	metadata       shared[*Metadata]

	mtlsMu sync.Mutex
	mtls   map[string]*http.Client // by certificate and key
	// published are the endpoints discovery documents gave (checkURL).
	published sync.Map // string -> struct{}
}

// NewClient validates cfg, fills in defaults and builds the HTTP transport:
// TLS 1.2 or newer, proxy from the environment, bounded retries.
func NewClient(cfg Config) (*Client, error) {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	switch {
	case cfg.NoRetries:
		cfg.MaxRetries = 0
	case cfg.MaxRetries <= 0:
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = DefaultRetryWaitMin
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = DefaultRetryWaitMax
	}
	if cfg.RetryWaitMax < cfg.RetryWaitMin {
		cfg.RetryWaitMax = cfg.RetryWaitMin
	}
	if cfg.RetryBudget <= 0 {
		cfg.RetryBudget = DefaultRetryBudget
	}
	if cfg.MinRemaining <= 0 {
		cfg.MinRemaining = DefaultMinRemaining
	}
	if cfg.Redact == nil {
		cfg.Redact = redact.New()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "terraform-provider-clientcreds"
	}

	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(cfg.CACertPEM) > 0 {
		pool, err := RootsWith(cfg.CACertPEM)
		if err != nil {
			return nil, err
		}
		tlsCfg.RootCAs = pool
	}
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("http.DefaultTransport has been replaced; the provider needs its own transport")
	}
	transport := base.Clone()
	transport.Proxy = proxyFor
	transport.TLSClientConfig = tlsCfg
	transport.MaxIdleConnsPerHost = 16

	c := &Client{cfg: cfg}
	c.credentialed = &http.Client{
		Transport: transport,
		Timeout:   cfg.RequestTimeout,
		// A token POST carries the client's credentials: it goes to the
		// configured endpoint and nowhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	direct := transport.Clone()
	direct.Proxy = nil
	c.metadataServer = &http.Client{
		Transport:     direct,
		Timeout:       cfg.RequestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c.anonymous = &http.Client{
		Transport: transport,
		Timeout:   cfg.RequestTimeout,
		// Discovery carries no secret, but the document it finds names the
		// token endpoint: redirects stay on the first request's origin.
		CheckRedirect: c.sameOriginRedirects,
	}
	return c, nil
}

// Redact is the client's registry of known credentials, for the callers
// that show text of their own (the proxy, the shared cache's warnings).
func (c *Client) Redact() *redact.Registry { return c.cfg.Redact }

// op names an operation of this client for the errors it may end in.
func (c *Client) op(summary, action string) op { return op{summary, action, c.cfg.Redact} }

// RootsWith is the system's trusted roots with the PEM certificates added:
// a CA bundle the user gives for a private CA (the token endpoint's, the
// shared cache's). It fails when the bundle holds no certificate.
func RootsWith(bundle []byte) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(bundle) {
		return nil, errors.New("the CA bundle holds no PEM certificate")
	}
	return pool, nil
}
