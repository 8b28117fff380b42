package authenticode

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/msikit/msikit/cfb"
)

// longChain returns a key, its self-signed certificate and n-1 copies of
// it after it: a chain of n certificates.
func longChain(t *testing.T, n int) (*ecdsa.PrivateKey, []*x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "long chain"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	chain := make([]*x509.Certificate, n)
	for i := range chain {
		chain[i] = c
	}
	return key, chain
}

// TestSignRefusesLongChain: a chain of more certificates than a signature
// may hold is refused before any work, not by the read-back of the
// signed file: by ParsePEM, and by Sign for options built otherwise.
func TestSignRefusesLongChain(t *testing.T) {
	key, chain := longChain(t, maxCertificates+1)
	var certPEM bytes.Buffer
	for _, c := range chain {
		pem.Encode(&certPEM, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})
	var ue *UnsupportedError
	if _, _, err := ParsePEM(certPEM.Bytes(), keyPEM); !errors.As(err, &ue) || !strings.Contains(err.Error(), "256") {
		t.Errorf("ParsePEM of %d certificates: %v, want an *UnsupportedError naming the limit", len(chain), err)
	}
	if _, certs, err := ParsePEM(certPEM.Bytes()[:certPEM.Len()/(maxCertificates+1)*maxCertificates], keyPEM); err != nil || len(certs) != maxCertificates {
		t.Errorf("ParsePEM of %d certificates: %d, %v", maxCertificates, len(certs), err)
	}

	pkg, err := tinyPackage(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := cfb.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = Sign(context.Background(), &out, cf, &SignOptions{Signer: key, Certificates: chain})
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "at most 256") || out.Len() != 0 {
		t.Errorf("Sign with %d certificates: %v (%d bytes written), want an *UnsupportedError naming the limit and nothing written", len(chain), err, out.Len())
	}
	// What is accepted reads back.
	out.Reset()
	if err := Sign(context.Background(), &out, cf, &SignOptions{Signer: key, Certificates: chain[:maxCertificates]}); err != nil {
		t.Fatal(err)
	}
	if err := checkSigned(bytes.NewReader(out.Bytes()), int64(out.Len())); err != nil {
		t.Errorf("signed with %d certificates: %v", maxCertificates, err)
	}
}

// TestSignRefusesUnreadableCertificate: a certificate Verify would refuse
// (here one whose subject has too many attributes) is refused before
// signing.
func TestSignRefusesUnreadableCertificate(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "flood", OrganizationalUnit: make([]string, maxNameAttributes+1)},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := tinyPackage(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := cfb.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var ue *UnsupportedError
	err = Sign(context.Background(), &out, cf, &SignOptions{Signer: key, Certificates: []*x509.Certificate{c}})
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "certificate 1: issuer name of more than 64 attributes") || out.Len() != 0 {
		t.Errorf("Sign: %v (%d bytes written), want an *UnsupportedError and nothing written", err, out.Len())
	}
}
