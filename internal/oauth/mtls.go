package oauth

import (
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
)

// tlsCertificate pairs a PEM client certificate with its key.
func tlsCertificate(certPEM, keyPEM []byte) (tls.Certificate, error) {
	if len(certPEM) == 0 || len(keyPEM) == 0 {
		return tls.Certificate{}, errors.New("mutual TLS needs both a client certificate and its private key")
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("the client certificate and private key do not form a pair: %v", err)
	}
	return cert, nil
}

// postClient returns the HTTP client for a request: the shared one, or for
// mutual TLS one presenting the request's certificate, made once per
// certificate and kept for the life of the Client.
func (c *Client) postClient(r *resolvedRequest) (*http.Client, error) {
	if !r.AuthMethod.IsMutualTLS() {
		return c.credentialed, nil
	}
	sum := sha256.Sum256(append(append([]byte{}, r.CertificatePEM...), r.privateKey...))
	key := string(sum[:])
	c.mtlsMu.Lock()
	defer c.mtlsMu.Unlock()
	if hc, ok := c.mtls[key]; ok {
		return hc, nil
	}
	cert, err := tlsCertificate(r.CertificatePEM, []byte(r.privateKey))
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
