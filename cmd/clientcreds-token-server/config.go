package main

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/oauthtest"
)

// fileConfig is the configuration file: JSON, every field optional; a flag
// given on the command line wins over the file's value, and clients from
// -client flags are added to the file's.
type fileConfig struct {
	Addr             string           `json:"addr"`
	IssuerPath       string           `json:"issuer_path"`
	TokenLifetime    string           `json:"token_lifetime"`
	Body             string           `json:"body"`
	AuthMethods      []string         `json:"auth_methods"`
	ScopesSupported  []string         `json:"scopes_supported"`
	JWTAccessTokens  bool             `json:"jwt_access_tokens"`
	Clients          []clientConfig   `json:"clients"`
	JWTBearerIssuers []issuerConfig   `json:"jwt_bearer_issuers"`
	Faults           oauthtest.Faults `json:"faults"`
	IssuerFile       string           `json:"issuer_file"`
	EnvFile          string           `json:"env_file"`
}

type clientConfig struct {
	ID            string   `json:"id"`
	Secret        string   `json:"secret"`
	SecretEnv     string   `json:"secret_env"`
	PublicKeyFile string   `json:"public_key_file"`
	Scopes        []string `json:"scopes"`
	Audiences     []string `json:"audiences"`
}

type issuerConfig struct {
	Issuer        string `json:"issuer"`
	PublicKeyFile string `json:"public_key_file"`
}

// settings is everything the command needs, flags and file merged.
type settings struct {
	addr, issuerFile, envFile string
	opts                      oauthtest.Options
	written                   []string // the files this run wrote
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// commaList splits "a,b c" into its items.
func commaList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// flags are the command line.
type flags struct {
	fs                                *flag.FlagSet
	addr, config, issuerPath, body    string
	authMethods, scopes, audiences    string
	scopesSupported                   string
	issuerFile, envFile               string
	tokenLifetime                     time.Duration
	clients, clientKeys, bearerIssuer listFlag
	jwtAccessTokens                   bool
	fail429, fail5xx, failStatus      int
	retryAfter, latency, rateWindow   time.Duration
	rateLimit                         int
	revokeOlder                       bool
}

func newFlags() *flags {
	f := &flags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	fs := f.fs
	fs.StringVar(&f.addr, "addr", "127.0.0.1:0", "`host:port` to listen on; port 0 picks a free one. Anything but loopback is reachable from other machines")
	fs.StringVar(&f.config, "config", "", "JSON configuration `file` (see below); flags given here win over it")
	fs.Var(&f.clients, "client", "register a client: `ID=SECRET`, or ID=env:NAME to read the secret from $NAME; repeatable")
	fs.Var(&f.clientKeys, "client-key", "register a client's public key for private_key_jwt: `ID=PEMFILE` (a PUBLIC KEY or CERTIFICATE); repeatable")
	fs.StringVar(&f.scopes, "scopes", "", "comma-separated `list` of the only scopes the -client clients may request (default any)")
	fs.StringVar(&f.audiences, "audiences", "", "comma-separated `list` of the only audiences the -client clients may request (default any)")
	fs.StringVar(&f.scopesSupported, "scopes-supported", "", "comma-separated `list` published as scopes_supported (default read,write)")
	fs.DurationVar(&f.tokenLifetime, "token-lifetime", 12*time.Hour, "tokens' `lifetime` (expires_in)")
	fs.StringVar(&f.issuerPath, "issuer-path", "", "issuer `path` below the server's URL, e.g. /identity as OutSystems ODC has it")
	fs.StringVar(&f.body, "body", "any", "`format` of the token request bodies accepted: any, form or json (json only, as Epicollect5)")
	fs.StringVar(&f.authMethods, "auth-methods", "client_secret_basic,client_secret_post,client_secret_jwt,private_key_jwt", "comma-separated client authentication `methods` accepted")
	fs.Var(&f.bearerIssuer, "jwt-bearer-issuer", "serve the JWT bearer grant for assertions from `ISSUER=PEMFILE`; repeatable")
	fs.BoolVar(&f.jwtAccessTokens, "jwt-access-tokens", false, "issue RFC 9068 JWT access tokens instead of opaque ones")
	fs.IntVar(&f.fail429, "fail-429", 0, "answer the first `N` token requests 429 Too Many Requests")
	fs.DurationVar(&f.retryAfter, "retry-after", time.Second, "Retry-After sent with -fail-429 answers")
	fs.IntVar(&f.fail5xx, "fail-5xx", 0, "then answer the next `N` token requests with -fail-status")
	fs.IntVar(&f.failStatus, "fail-status", 503, "HTTP `status` of -fail-5xx answers")
	fs.DurationVar(&f.latency, "latency", 0, "delay every token answer by this `duration`")
	fs.IntVar(&f.rateLimit, "rate-limit", 0, "allow each client at most `N` tokens per -rate-window, then 429 (Epicollect5: 10 an hour)")
	fs.DurationVar(&f.rateWindow, "rate-window", time.Hour, "the -rate-limit window")
	fs.BoolVar(&f.revokeOlder, "revoke-older", false, "each new token revokes the client's older ones, as Epicollect5 does")
	fs.StringVar(&f.issuerFile, "issuer-file", "", "write the issuer URL to this `file` once listening (removed on stop)")
	fs.StringVar(&f.envFile, "env-file", "", "write a shell-sourceable env `file` (CLIENTCREDS_ISSUER, ..._TOKEN_URL, ..._CLIENT_ID, ..._CLIENT_SECRET, ...) once listening (removed on stop)")
	return f
}

// settings merges the configuration file and the flags given, and checks
// the result; every error names the flag or field at fault.
func (f *flags) settings() (settings, error) {
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	var fc fileConfig
	dir := ""
	if f.config != "" {
		b, err := os.ReadFile(f.config)
		if err != nil {
			return settings{}, fmt.Errorf("-config: %v", unwrapPath(err))
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fc); err != nil {
			return settings{}, fmt.Errorf("-config %s: %v", f.config, strings.TrimPrefix(err.Error(), "json: "))
		}
		dir = filepath.Dir(f.config)
	}
	from := func(flagName, flagVal, fileVal string) string {
		if set[flagName] || fileVal == "" {
			return flagVal
		}
		return fileVal
	}
	s := settings{
		addr:       from("addr", f.addr, fc.Addr),
		issuerFile: from("issuer-file", f.issuerFile, fc.IssuerFile),
		envFile:    from("env-file", f.envFile, fc.EnvFile),
	}
	o := &s.opts
	o.Admin = true
	o.IssuerPath = from("issuer-path", f.issuerPath, fc.IssuerPath)
	if p := o.IssuerPath; p != "" && !strings.HasPrefix(p, "/") {
		return s, fmt.Errorf("-issuer-path %q: want a path starting with /, such as /identity", p)
	}
	switch b := from("body", f.body, fc.Body); b {
	case "any", "":
	case "form", "json":
		o.Body = oauthtest.Body(b)
	default:
		return s, fmt.Errorf("-body %q: want any, form or json", b)
	}
	o.TokenLifetime = f.tokenLifetime
	if !set["token-lifetime"] && fc.TokenLifetime != "" {
		d, err := time.ParseDuration(fc.TokenLifetime)
		if err != nil {
			return s, fmt.Errorf("token_lifetime %q: want a duration such as 2h", fc.TokenLifetime)
		}
		o.TokenLifetime = d
	}
	if o.TokenLifetime < time.Second {
		return s, fmt.Errorf("-token-lifetime %v: want at least 1s", o.TokenLifetime)
	}
	o.AuthMethods = commaList(f.authMethods)
	if !set["auth-methods"] && len(fc.AuthMethods) > 0 {
		o.AuthMethods = fc.AuthMethods
	}
	for _, m := range o.AuthMethods {
		switch m {
		case "client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt":
		default:
			return s, fmt.Errorf("-auth-methods: %q is not one of client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt", m)
		}
	}
	o.Scopes = fc.ScopesSupported
	if set["scopes-supported"] {
		o.Scopes = commaList(f.scopesSupported)
	}
	o.JWTAccessTokens = f.jwtAccessTokens || fc.JWTAccessTokens

	// Clients: the file's, then the flags'.
	for i, c := range fc.Clients {
		field := fmt.Sprintf("clients[%d]", i)
		if c.ID == "" {
			return s, fmt.Errorf("%s.id: missing", field)
		}
		field = fmt.Sprintf("clients[%d] (id %q)", i, c.ID)
		cl := oauthtest.Client{ID: c.ID, Secret: c.Secret, Scopes: c.Scopes, Audiences: c.Audiences}
		if c.SecretEnv != "" {
			if cl.Secret != "" {
				return s, fmt.Errorf("%s: secret and secret_env are exclusive", field)
			}
			if cl.Secret = os.Getenv(c.SecretEnv); cl.Secret == "" {
				return s, fmt.Errorf("%s.secret_env: $%s is empty or unset", field, c.SecretEnv)
			}
		}
		if c.PublicKeyFile != "" {
			k, err := readPublicKey(resolve(dir, c.PublicKeyFile))
			if err != nil {
				return s, fmt.Errorf("%s.public_key_file: %v", field, err)
			}
			cl.PublicKey = k
		}
		if cl.Secret == "" && cl.PublicKey == nil {
			return s, fmt.Errorf("%s: needs a secret, secret_env or public_key_file", field)
		}
		o.Clients = append(o.Clients, cl)
	}
	index := map[string]int{}
	for i, c := range o.Clients {
		if _, dup := index[c.ID]; dup {
			return s, fmt.Errorf("clients[%d]: id %q registered twice", i, c.ID)
		}
		index[c.ID] = i
	}
	var scopes, audiences []string
	if set["scopes"] {
		scopes = commaList(f.scopes)
	}
	if set["audiences"] {
		audiences = commaList(f.audiences)
	}
	for _, v := range f.clients {
		id, secret, ok := strings.Cut(v, "=")
		if id == "" {
			return s, errors.New("-client: no ID before \"=\"; want ID=SECRET or ID=env:NAME") // never quoted: what follows may be the secret
		}
		if env, isEnv := strings.CutPrefix(secret, "env:"); isEnv {
			if secret = os.Getenv(env); secret == "" {
				return s, fmt.Errorf("-client %s=env:%s: $%s is empty or unset", id, env, env)
			}
		}
		// Without "=" the value may be ID and SECRET mistyped as one
		// (ci:s3cret): it is named only when it reads as an id alone.
		shown := ok || plainID(id)
		if _, dup := index[id]; dup {
			if !shown {
				return s, errors.New("-client: a client registered twice (its value not shown: it may hold a secret); want -client ID=SECRET once per client")
			}
			return s, fmt.Errorf("-client %s: client %q registered twice", id, id)
		}
		if !ok || secret == "" {
			// A client may have a key alone; -client-key below says so.
			switch {
			case hasKeyFlag(f.clientKeys, id):
			case !shown:
				return s, errors.New("-client: no \"=\" in the value (not shown: it may hold a secret); want -client ID=SECRET or ID=env:NAME")
			default:
				return s, fmt.Errorf("-client %q: no secret; want -client ID=SECRET or ID=env:NAME (or a -client-key %s=PEMFILE)", v, id)
			}
		}
		index[id] = len(o.Clients)
		o.Clients = append(o.Clients, oauthtest.Client{ID: id, Secret: secret, Scopes: scopes, Audiences: audiences})
	}
	for _, v := range f.clientKeys {
		id, k, err := namedKey("-client-key", "ID", v)
		if err != nil {
			return s, err
		}
		i, known := index[id]
		if !known {
			index[id], i = len(o.Clients), len(o.Clients)
			o.Clients = append(o.Clients, oauthtest.Client{ID: id, Scopes: scopes, Audiences: audiences})
		}
		o.Clients[i].PublicKey = k
	}
	// No client at all: oauthtest registers "test-client" with a random
	// secret, which the env file carries.

	o.JWTBearerIssuers = map[string]crypto.PublicKey{}
	for i, c := range fc.JWTBearerIssuers {
		if c.Issuer == "" {
			return s, fmt.Errorf("jwt_bearer_issuers[%d].issuer: missing", i)
		}
		k, err := readPublicKey(resolve(dir, c.PublicKeyFile))
		if err != nil {
			return s, fmt.Errorf("jwt_bearer_issuers[%d].public_key_file: %v", i, err)
		}
		o.JWTBearerIssuers[c.Issuer] = k
	}
	for _, v := range f.bearerIssuer {
		iss, k, err := namedKey("-jwt-bearer-issuer", "ISSUER", v)
		if err != nil {
			return s, err
		}
		o.JWTBearerIssuers[iss] = k
	}

	o.Faults = fc.Faults
	fl := &o.Faults
	if set["fail-429"] {
		fl.TooManyRequests = f.fail429
	}
	if set["retry-after"] || fl.RetryAfter == 0 {
		fl.RetryAfter = oauthtest.Duration(f.retryAfter)
	}
	if set["fail-5xx"] {
		fl.ServerErrors = f.fail5xx
	}
	if set["fail-status"] || fl.ServerErrorStatus == 0 {
		fl.ServerErrorStatus = f.failStatus
	}
	if set["latency"] {
		fl.Latency = oauthtest.Duration(f.latency)
	}
	if set["rate-limit"] {
		fl.RateLimit = f.rateLimit
	}
	if set["rate-window"] || fl.RateWindow == 0 {
		fl.RateWindow = oauthtest.Duration(f.rateWindow)
	}
	fl.RevokeOlder = fl.RevokeOlder || f.revokeOlder
	switch {
	case fl.ServerErrorStatus < 500 || fl.ServerErrorStatus > 599:
		return s, fmt.Errorf("-fail-status %d: want a 5xx status", fl.ServerErrorStatus)
	case fl.TooManyRequests < 0:
		return s, fmt.Errorf("-fail-429 %d: want 0 or more", fl.TooManyRequests)
	case fl.ServerErrors < 0:
		return s, fmt.Errorf("-fail-5xx %d: want 0 or more", fl.ServerErrors)
	case fl.RateLimit < 0:
		return s, fmt.Errorf("-rate-limit %d: want 0 or more", fl.RateLimit)
	case fl.RateWindow < oauthtest.Duration(time.Second):
		return s, fmt.Errorf("-rate-window %v: want at least 1s", time.Duration(fl.RateWindow))
	}
	return s, o.Validate()
}

// plainID reports whether a -client value without "=" reads as a client id
// alone, and so may be echoed: short, and only letters, digits, '.', '_'
// and '-'. Anything else (a ':', a space, a long token) may be an ID and
// SECRET with the "=" mistyped, or a secret given without its id.
func plainID(v string) bool {
	if v == "" || len(v) > 20 {
		return false
	}
	for _, r := range v {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '.', r == '_', r == '-':
		default:
			return false
		}
	}
	return true
}

func hasKeyFlag(keys []string, id string) bool {
	for _, k := range keys {
		if strings.HasPrefix(k, id+"=") {
			return true
		}
	}
	return false
}

func resolve(dir, p string) string {
	if p == "" || filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}

// unwrapPath drops the *PathError's op, keeping "FILE: reason".
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %v", pe.Path, pe.Err)
	}
	return err
}

// readPublicKey reads a PEM public key (PKIX "PUBLIC KEY", PKCS #1 "RSA
// PUBLIC KEY") or the key of a PEM certificate.
func readPublicKey(file string) (crypto.PublicKey, error) {
	if file == "" {
		return nil, errors.New("no file given")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, unwrapPath(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", file)
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		return k, nil
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		return k, nil
	case "CERTIFICATE":
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		return c.PublicKey, nil
	}
	return nil, fmt.Errorf("%s: a %q PEM block is not a public key or certificate (never give the server a private key)", file, block.Type)
}

// namedKey parses a flag's NAME=PEMFILE value (what names NAME in the
// error) and reads the public key in the file.
func namedKey(flag, what, v string) (string, crypto.PublicKey, error) {
	name, file, ok := strings.Cut(v, "=")
	if !ok || name == "" || file == "" {
		return "", nil, fmt.Errorf("%s %q: want %s=PEMFILE", flag, v, what)
	}
	k, err := readPublicKey(file)
	if err != nil {
		return "", nil, fmt.Errorf("%s %s: %v", flag, name, err)
	}
	return name, k, nil
}
