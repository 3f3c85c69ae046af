// Package testpki makes the certificate authorities, certificates and keys
// that the tests need, on the fly: most test keys are made here (the fake
// servers make their own signing keys: ciserver's, testkms's RSAKeyOnce).
// Tests only.
package testpki

import (
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"
)

// CA issues certificates.
type CA struct {
	cert *x509.Certificate
	key  crypto.Signer
	PEM  []byte // the CA certificate, to trust
}

// NewCA makes a CA valid for two days either side of now.
func NewCA(t testing.TB) *CA {
	t.Helper()
	key := EC(t, elliptic.P256())
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(48 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &CA{cert: cert, key: key, PEM: CertPEM(der)}
}

// Issue signs a certificate for host (an IP or DNS name) or, with host "",
// a client certificate; validity counts from now and may be negative.
func (ca *CA) Issue(t testing.TB, host string, validity time.Duration, pub crypto.PublicKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: host + "client"},
		NotBefore: time.Now().Add(-2 * time.Hour), NotAfter: time.Now().Add(validity),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else if host != "" {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// ServerTLS serves a certificate for host.
func (ca *CA) ServerTLS(t testing.TB, host string, validity time.Duration) *tls.Config {
	key, _ := ECKey(t)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{ca.Issue(t, host, validity, key.Public())}, PrivateKey: key}}}
}

// ECKey makes a P-256 key, returned with its SEC 1 PEM.
func ECKey(t testing.TB) (crypto.Signer, []byte) {
	t.Helper()
	key := EC(t, elliptic.P256())
	return key, SEC1PEM(key)
}

// CertPEM encodes a DER certificate.
func CertPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// CertSum is the SHA-256 of a DER certificate, as RFC 8705 servers register it.
func CertSum(der []byte) [32]byte { return sha256.Sum256(der) }
