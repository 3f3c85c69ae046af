package signer

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// Google Cloud KMS:
// gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/V.
// Credentials: GOOGLE_OAUTH_ACCESS_TOKEN when set (as the Google provider
// takes it), otherwise Application Default Credentials (a key file or
// workload identity federation configuration named by
// GOOGLE_APPLICATION_CREDENTIALS, gcloud's, the metadata server's service
// account). CLIENTCREDS_GCPKMS_ENDPOINT replaces https://cloudkms.googleapis.com
// (a Private Service Connect endpoint). The caller needs
// cloudkms.cryptoKeyVersions.useToSign and .viewPublicKey
// (roles/cloudkms.signerVerifier).
//
// Hand-written REST (two documented calls: cryptoKeyVersions.getPublicKey
// and cryptoKeyVersions.asymmetricSign) rather than cloud.google.com/go/kms,
// whose gRPC client and generated types weigh megabytes; the credentials
// come from golang.org/x/oauth2/google, which is small.

var gcpName = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+/cryptoKeyVersions/[^/]+$`)

func init() { register(gcpScheme) }

var gcpScheme = scheme{name: "gcpkms", form: "gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/V",
	check: func(rest string) error {
		if !gcpName.MatchString(rest) {
			return errors.New("it must name a key version: projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/V")
		}
		return nil
	},
	open: func(rest string, env Env) (service, error) {
		base := "https://cloudkms.googleapis.com"
		if e := env.Getenv("CLIENTCREDS_GCPKMS_ENDPOINT"); e != "" {
			u, err := checkHTTPURL("CLIENTCREDS_GCPKMS_ENDPOINT", e)
			if err != nil {
				return nil, err
			}
			base = strings.TrimRight(u.String(), "/")
		}
		return &gcpKey{url: base + "/v1/" + rest, env: env}, nil
	}}

type gcpKey struct {
	url string
	env Env

	mu  sync.Mutex
	src oauth2.TokenSource
}

// header is the bearer token, registered with the sanitiser.
func (g *gcpKey) header(ctx context.Context) (http.Header, error) {
	token := strings.TrimSpace(g.env.Getenv("GOOGLE_OAUTH_ACCESS_TOKEN"))
	if token == "" {
		g.mu.Lock()
		if g.src == nil {
			creds, err := google.FindDefaultCredentials(ctx, "https://www.googleapis.com/auth/cloudkms")
			if err != nil {
				g.mu.Unlock()
				return nil, fmt.Errorf("no Google credentials (Application Default Credentials): %s", g.env.Redact.Sanitize(err.Error(), 500))
			}
			g.src = creds.TokenSource
		}
		src := g.src
		g.mu.Unlock()
		tok, err := src.Token()
		if err != nil {
			return nil, fmt.Errorf("no Google access token: %s", g.env.Redact.Sanitize(err.Error(), 500))
		}
		token = tok.AccessToken
	}
	g.env.Redact.Remember(token)
	return http.Header{"Authorization": {"Bearer " + token}}, nil
}

// gcpErrors is Google's error body: {"error": {"code", "message", "status"}}.
func gcpErrors(_ int, body []byte) *serviceError {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || (e.Error.Status == "" && e.Error.Message == "") {
		return nil
	}
	return &serviceError{Code: e.Error.Status, Message: e.Error.Message}
}

// gcpAlgorithms maps Cloud KMS's signing algorithms to JWS ones: a key
// version fixes its algorithm, padding and hash included.
func gcpAlgorithm(a string) (string, error) {
	switch {
	case strings.HasPrefix(a, "RSA_SIGN_PKCS1_") && strings.HasSuffix(a, "_SHA256"):
		return "RS256", nil
	case strings.HasPrefix(a, "RSA_SIGN_PKCS1_") && strings.HasSuffix(a, "_SHA512"):
		return "RS512", nil
	case strings.HasPrefix(a, "RSA_SIGN_PSS_") && strings.HasSuffix(a, "_SHA256"):
		return "PS256", nil
	case strings.HasPrefix(a, "RSA_SIGN_PSS_") && strings.HasSuffix(a, "_SHA512"):
		return "PS512", nil
	case a == "EC_SIGN_P256_SHA256":
		return "ES256", nil
	case a == "EC_SIGN_P384_SHA384":
		return "ES384", nil
	}
	return "", fmt.Errorf("the key version's algorithm %s cannot sign JWTs (it must be an asymmetric signing key: RSA_SIGN_*, EC_SIGN_P256_SHA256 or EC_SIGN_P384_SHA384)", a)
}

func (g *gcpKey) publicKey(ctx context.Context) (crypto.PublicKey, string, error) {
	h, err := g.header(ctx)
	if err != nil {
		return nil, "", err
	}
	var out struct {
		PEM       string `json:"pem"`
		Algorithm string `json:"algorithm"`
	}
	if err := g.env.do(ctx, call{method: http.MethodGet, url: g.url + "/publicKey", header: h, errShape: gcpErrors}, &out); err != nil {
		return nil, "", err
	}
	alg, err := gcpAlgorithm(out.Algorithm)
	if err != nil {
		return nil, "", err
	}
	pub, err := pemPublicKey(out.PEM, "Cloud KMS's")
	if err != nil {
		return nil, "", err
	}
	return pub, alg, nil
}

func (g *gcpKey) sign(ctx context.Context, digest []byte, h crypto.Hash, _ bool) ([]byte, error) {
	hdr, err := g.header(ctx)
	if err != nil {
		return nil, err
	}
	name := hashNames[h].gcp
	body := map[string]any{"digest": map[string]string{name: base64.StdEncoding.EncodeToString(digest)}}
	var out struct {
		Signature string `json:"signature"`
	}
	if err := g.env.do(ctx, call{method: http.MethodPost, url: g.url + ":asymmetricSign", header: hdr, body: body, errShape: gcpErrors}, &out); err != nil {
		return nil, err
	}
	sig, err := base64.StdEncoding.DecodeString(out.Signature)
	if err != nil || len(sig) == 0 {
		return nil, errors.New("no base64 signature in Cloud KMS's answer")
	}
	return sig, nil
}
