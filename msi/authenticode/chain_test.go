package authenticode

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
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

	cf := tinyReader(t)
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
	cf := tinyReader(t)
	var out bytes.Buffer
	var ue *UnsupportedError
	err = Sign(context.Background(), &out, cf, &SignOptions{Signer: key, Certificates: []*x509.Certificate{c}})
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "certificate 1: issuer name of more than 64 attributes") || out.Len() != 0 {
		t.Errorf("Sign: %v (%d bytes written), want an *UnsupportedError and nothing written", err, out.Len())
	}
}

// hugeRSAKey returns the DER of a PKCS#1 RSA private key of about the
// given size whose values are random (so inconsistent).
func hugeRSAKey(t *testing.T, size int) []byte {
	t.Helper()
	rnd := func(bits int) *big.Int {
		b := make([]byte, bits/8)
		rand.Read(b)
		b[0] |= 0x80
		b[len(b)-1] |= 1
		return new(big.Int).SetBytes(b)
	}
	p, q := rnd(size/2), rnd(size/2)
	der, err := asn1.Marshal(struct {
		Version                     int
		N, E, D, P, Q, Dp, Dq, Qinv *big.Int
	}{0, new(big.Int).Mul(p, q), big.NewInt(65537), rnd(size - 8), p, q, rnd(size/2 - 8), rnd(size/2 - 8), rnd(size/2 - 8)})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestParsePEMHugeRSAKey: an RSA key over Windows' limit is refused
// before crypto/x509 checks it, which costs the square of its size (a
// 262,144-bit key took 1.8 s, 800 KB of key file 28 s), as PKCS#1 and
// inside PKCS#8.
func TestParsePEMHugeRSAKey(t *testing.T) {
	_, chain := longChain(t, 1)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: chain[0].Raw})
	pkcs1 := hugeRSAKey(t, 262144)
	pkcs8, err := asn1.Marshal(struct {
		Version int
		Alg     pkix.AlgorithmIdentifier
		Key     []byte
	}{0, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}, Parameters: asn1.NullRawValue}, pkcs1})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []*pem.Block{{Type: "RSA PRIVATE KEY", Bytes: pkcs1}, {Type: "PRIVATE KEY", Bytes: pkcs8}} {
		start := time.Now()
		_, _, err := ParsePEM(certPEM, pem.EncodeToMemory(b))
		var ue *UnsupportedError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "bits, more than 16384") {
			t.Errorf("%s: %v, want an *UnsupportedError naming the limit", b.Type, err)
		}
		if d := time.Since(start); d > 200*time.Millisecond {
			t.Errorf("%s: refused in %v", b.Type, d)
		}
	}
}

// TestRSAKeyBits reads the size of real keys, PKCS#1 and PKCS#8.
func TestRSAKeyBits(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if got := rsaKeyBits("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k)); got != 2048 {
		t.Errorf("PKCS#1: %d bits", got)
	}
	if got := rsaKeyBits("PRIVATE KEY", p8); got != 2048 {
		t.Errorf("PKCS#8: %d bits", got)
	}
	e, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if p8, _ = x509.MarshalPKCS8PrivateKey(e); rsaKeyBits("PRIVATE KEY", p8) != 0 {
		t.Error("an EC key has RSA bits")
	}
}
