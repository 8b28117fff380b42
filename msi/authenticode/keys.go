package authenticode

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/bits"

	"software.sslmate.com/src/go-pkcs12"
)

// ParsePEM decodes a certificate chain and a private key from PEM text:
// certPEM holds one or more CERTIFICATE blocks, keyPEM one private key
// (PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY" or SEC 1 "EC PRIVATE
// KEY"; encrypted PEM keys are refused: use a PKCS#12 file; an RSA key
// over 16,384 bits, Windows' limit, is refused before it is decoded). The
// certificate matching the key comes first in the result, the others
// follow in file order. A file of more than 256 certificates, more than
// a signature holds, or of a certificate Verify would refuse (see the
// package's limits), is refused with an *UnsupportedError. Errors never
// contain key material.
func ParsePEM(certPEM, keyPEM []byte) (crypto.Signer, []*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := certPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if len(certs) == maxCertificates {
			return nil, nil, tooManyCertificates()
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("authenticode: certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, nil, errors.New("authenticode: no CERTIFICATE block in the certificate file")
	}
	key, err := parsePEMKey(keyPEM)
	if err != nil {
		return nil, nil, err
	}
	certs, err = leafFirst(key, certs)
	if err != nil {
		return nil, nil, err
	}
	if err := checkChain(certs); err != nil {
		return nil, nil, err
	}
	return key, certs, nil
}

func parsePEMKey(keyPEM []byte) (crypto.Signer, error) {
	for rest := keyPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("authenticode: no private key block in the key file")
		}
		if _, encrypted := b.Headers["Proc-Type"]; encrypted || b.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, errors.New("authenticode: the PEM key is encrypted; give it unencrypted or as a PKCS#12 (.pfx) file with a password")
		}
		if bits := rsaKeyBits(b.Type, b.Bytes); bits > maxRSABits {
			return nil, &UnsupportedError{Msg: fmt.Sprintf("%s block: RSA key of %d bits, more than %d (Windows' limit)", b.Type, bits, maxRSABits)}
		}
		var k any
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			continue
		}
		if err != nil {
			// The parsers' messages name the structure, never its bytes.
			return nil, fmt.Errorf("authenticode: bad %s block: %w", b.Type, err)
		}
		return asSigner(k)
	}
}

// rsaKeyBits returns the size in bits of the modulus of the RSA private
// key in der, a PEM block of type typ ("RSA PRIVATE KEY", or "PRIVATE
// KEY" holding an rsaEncryption key), or 0 for anything else, reading
// only the structure's outer elements. crypto/x509 checks a key's
// consistency at a cost that grows with the square of its size and sets
// no limit: an 800 KB key file took 28 s to refuse.
func rsaKeyBits(typ string, der []byte) int {
	// elements returns the first n elements of the SEQUENCE der, or nil.
	elements := func(der []byte, n int) []asn1.RawValue {
		var seq asn1.RawValue
		if _, err := asn1.Unmarshal(der, &seq); err != nil || seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence {
			return nil
		}
		out := make([]asn1.RawValue, n)
		for i, b := 0, seq.Bytes; i < n; i++ {
			var err error
			if b, err = asn1.Unmarshal(b, &out[i]); err != nil {
				return nil
			}
		}
		return out
	}
	switch typ {
	case "PRIVATE KEY":
		// PrivateKeyInfo: version, AlgorithmIdentifier, OCTET STRING.
		e := elements(der, 3)
		if e == nil {
			return 0
		}
		alg := elements(e[1].FullBytes, 1)
		var oid asn1.ObjectIdentifier
		if alg == nil || e[2].Tag != asn1.TagOctetString {
			return 0
		}
		if _, err := asn1.Unmarshal(alg[0].FullBytes, &oid); err != nil || !oid.Equal(oidRSAEncryption) {
			return 0
		}
		der = e[2].Bytes
	case "RSA PRIVATE KEY":
	default:
		return 0
	}
	// RSAPrivateKey: version, modulus, ...
	e := elements(der, 2)
	if e == nil || e[1].Tag != asn1.TagInteger {
		return 0
	}
	n := e[1].Bytes
	for len(n) > 0 && n[0] == 0 {
		n = n[1:]
	}
	if len(n) == 0 {
		return 0
	}
	return 8*(len(n)-1) + bits.Len8(n[0])
}

func asSigner(k any) (crypto.Signer, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	}
	return nil, &UnsupportedError{Msg: fmt.Sprintf("private key type %T (want RSA or ECDSA)", k)}
}

// ParsePFX decodes a PKCS#12 file (.pfx, .p12) with its password: the
// private key, its certificate and the other certificates it holds (see
// ParsePEM for the order). A file whose key derivations ask for more
// than MaxPFXIterations iterations in all (those its encrypted safes
// hide included) is refused with an *UnsupportedError before any key
// bag is decrypted.
func ParsePFX(data []byte, password string) (crypto.Signer, []*x509.Certificate, error) {
	if err := checkPFXWork(data, password); err != nil {
		return nil, nil, err
	}
	k, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		return nil, nil, fmt.Errorf("authenticode: PKCS#12: %w", err)
	}
	key, err := asSigner(k)
	if err != nil {
		return nil, nil, err
	}
	if 1+len(cas) > maxCertificates {
		return nil, nil, tooManyCertificates()
	}
	certs := append([]*x509.Certificate{leaf}, cas...)
	if err := checkChain(certs); err != nil {
		return nil, nil, err
	}
	return key, certs, nil
}

// tooManyCertificates is the error of a key file with more certificates
// than a signature holds.
func tooManyCertificates() error {
	return &UnsupportedError{Msg: fmt.Sprintf("more than %d certificates: a signature holds at most %d", maxCertificates, maxCertificates)}
}

// leafFirst moves the certificate whose public key is key's to the front.
func leafFirst(key crypto.Signer, certs []*x509.Certificate) ([]*x509.Certificate, error) {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	pub, ok := key.Public().(equaler)
	if !ok {
		return nil, &UnsupportedError{Msg: fmt.Sprintf("public key type %T", key.Public())}
	}
	for i, c := range certs {
		if pub.Equal(c.PublicKey) {
			out := append([]*x509.Certificate{c}, certs[:i]...)
			return append(out, certs[i+1:]...), nil
		}
	}
	return nil, errors.New("authenticode: no certificate in the chain matches the private key")
}
