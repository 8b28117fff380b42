package authenticode_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/msikit/msikit/msi/authenticode"
)

// Sign a package with a key held in memory (any crypto.Signer works: an
// HSM or a cloud key service too), then verify it against that
// certificate as the trusted root.
func ExampleSignFile() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Example Signer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)

	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "signed.msi")
	err := authenticode.SignFile(context.Background(), out, "../../testdata/sample.msi", false, &authenticode.SignOptions{
		Signer:       key,
		Certificates: []*x509.Certificate{cert},
		Extended:     true, // also add \x05MsiDigitalSignatureEx
	})
	if err != nil {
		log.Fatal(err)
	}

	roots := x509.NewCertPool()
	roots.AddCert(cert)
	sig, err := authenticode.VerifyFile(out, &authenticode.VerifyOptions{Roots: roots})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("valid,", sig.Hash, "signed by", sig.Signer.Subject)
	// Output: valid, SHA-256 signed by CN=Example Signer
}

// Report every problem of a package's signature, one per line.
func ExampleVerifyFile() {
	_, err := authenticode.VerifyFile("../../testdata/sample.msi", nil)
	var ve *authenticode.VerifyError
	switch {
	case err == nil:
		fmt.Println("valid")
	case errors.Is(err, authenticode.ErrNotSigned):
		fmt.Println("not signed")
	case errors.As(err, &ve):
		for _, p := range ve.Problems {
			fmt.Println(p)
		}
	default:
		fmt.Println(err) // unreadable package or malformed signature
	}
	// Output: not signed
}
