package oauth

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
)

// tlsCertificate pairs a PEM client certificate (and the chain after it)
// with its key, which signs the handshake through crypto.Signer wherever
// it is held.
func tlsCertificate(certPEM []byte, key crypto.Signer) (tls.Certificate, error) {
	if len(certPEM) == 0 || key == nil {
		return tls.Certificate{}, errors.New("mutual TLS needs both a client certificate and its private key")
	}
	leaf, err := leafFor(certPEM, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("the client certificate and private key do not form a pair: %v", err)
	}
	cert := tls.Certificate{PrivateKey: key, Leaf: leaf}
	for rest := certPEM; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		if block.Type == "CERTIFICATE" {
			cert.Certificate = append(cert.Certificate, block.Bytes)
		}
	}
	return cert, nil
}

// leafFor's failures besides x509's parse error, worded for any caller;
// each caller says what the certificate was for.
var (
	errNoCertificate = errors.New("no PEM certificate found")
	errNotKeysCert   = errors.New("the certificate's public key is not the key's")
)

// leafFor parses the first certificate in PEM data and checks that it
// holds key's public key. Its error is errNoCertificate, errNotKeysCert or
// x509's parse error.
func leafFor(certPEM []byte, key crypto.Signer) (*x509.Certificate, error) {
	var block *pem.Block
	for rest := certPEM; ; {
		block, rest = pem.Decode(rest)
		if block == nil || block.Type == "CERTIFICATE" {
			break
		}
	}
	if block == nil {
		return nil, errNoCertificate
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, err
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if pk, ok := key.Public().(equaler); !ok || !pk.Equal(leaf.PublicKey) {
		return nil, errNotKeysCert
	}
	return leaf, nil
}

// postClient returns the HTTP client for a request: the shared one, or for
// mutual TLS one presenting the request's certificate, made once per
// certificate and kept for the life of the Client.
func (c *Client) postClient(r *resolvedRequest) (*http.Client, error) {
	if !r.AuthMethod.IsMutualTLS() {
		return c.credentialed, nil
	}
	sum := sha256.Sum256(append(append(append([]byte{}, r.CertificatePEM...), r.privateKey...), r.keyServiceID()...))
	key := string(sum[:])
	c.mtlsMu.Lock()
	defer c.mtlsMu.Unlock()
	if hc, ok := c.mtls[key]; ok {
		return hc, nil
	}
	// The handshake signs outside any one request: a key service is
	// called under its own bounded retries, not a request's context.
	signer, err := r.keySource().Signer(context.Background())
	if err != nil {
		if r.KeyService != nil || r.privateKey != "" {
			return nil, err
		}
		signer = nil // no key: tlsCertificate says what is missing
	}
	cert, err := tlsCertificate(r.CertificatePEM, signer)
	if err != nil {
		return nil, err
	}
	base := c.credentialed
	shared, ok := base.Transport.(*http.Transport)
	if !ok {
		return nil, errors.New("the HTTP transport is not the provider's own")
	}
	tr := shared.Clone()
	tr.TLSClientConfig = tr.TLSClientConfig.Clone()
	tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
	hc := &http.Client{Transport: tr, Timeout: base.Timeout, CheckRedirect: base.CheckRedirect}
	if c.mtls == nil {
		c.mtls = map[string]*http.Client{}
	}
	c.mtls[key] = hc
	return hc, nil
}
