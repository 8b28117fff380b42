package authenticode

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"io"
	"math/big"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
)

// signTiny returns a signature for the tiny package, made with opts
// without Sign's checks of the certificates, so that it can make the
// signatures Verify refuses.
func signTiny(t *testing.T, opts *SignOptions) []byte {
	t.Helper()
	cf := tinyReader(t)
	h := signHash(opts)
	content, _, err := Digest(cf, h, false)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := buildSignature(context.Background(), content, h, opts)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// nest wraps inner in depth SEQUENCE headers (each with a 3-byte length,
// written outside in, so building it is linear).
func nest(depth int, inner []byte) []byte {
	b := make([]byte, 0, 5*depth+len(inner))
	for i := range depth {
		n := 5*(depth-1-i) + len(inner)
		b = append(b, tagSequence, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, inner...)
}

// bigKeySigner signs with an RSA public key it has no private key for:
// its signatures are random numbers the size of the modulus, which is all
// a verifier needs to do the work of checking one.
type bigKeySigner struct{ pub *rsa.PublicKey }

func (s bigKeySigner) Public() crypto.PublicKey { return s.pub }

func (s bigKeySigner) Sign(_ io.Reader, _ []byte, _ crypto.SignerOpts) ([]byte, error) {
	b := make([]byte, (s.pub.N.BitLen()+7)/8)
	rand.Read(b)
	b[0] = 0 // below the modulus
	return b, nil
}

// bigKeySignature returns a signature of the tiny package by a
// certificate whose RSA modulus has bits bits and whose public exponent
// is the largest Go accepts.
func bigKeySignature(t *testing.T, bits int) []byte {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
	if err != nil {
		t.Fatal(err)
	}
	n.SetBit(n, bits-1, 1)
	n.SetBit(n, 0, 1)
	pub := &rsa.PublicKey{N: n, E: 1<<31 - 1}
	issuer, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "big key"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, issuer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return signTiny(t, &SignOptions{Signer: bigKeySigner{pub}, Certificates: []*x509.Certificate{cert}})
}

// loopCerts returns two CA certificates that issue each other, and a leaf
// key and certificate issued by the first.
func loopCerts(t *testing.T) (a, b, leaf *x509.Certificate, leafKey crypto.Signer) {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	ka, kb, kl := key(), key(), key()
	now := time.Now()
	tmpl := func(serial int64, cn string, ca bool) *x509.Certificate {
		c := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), BasicConstraintsValid: true, IsCA: ca,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
		return c
	}
	mk := func(tm, parent *x509.Certificate, pub any, k crypto.Signer) *x509.Certificate {
		der, err := x509.CreateCertificate(rand.Reader, tm, parent, pub, k)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ta, tb := tmpl(10, "loop A", true), tmpl(11, "loop B", true)
	a = mk(ta, tb, &ka.PublicKey, kb) // A issued by B
	b = mk(tb, ta, &kb.PublicKey, ka) // B issued by A
	leaf = mk(tmpl(12, "loop leaf", false), ta, &kl.PublicKey, ka)
	return a, b, leaf, kl
}

// floodSignature returns a signature of the tiny package by a
// self-signed certificate whose subject holds ous empty organizational
// units.
func floodSignature(t *testing.T, ous int) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "\x1b[2J flood", OrganizationalUnit: make([]string, ous)},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return signTiny(t, &SignOptions{Signer: key, Certificates: []*x509.Certificate{cert}})
}

// sanSignature returns a signature of the tiny package by a self-signed
// certificate followed by others-1 more, each with a subjectAltName of
// uris URIs "a:" (4 bytes each), made without url.URL values.
func sanSignature(t *testing.T, certs, uris int) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	san := bytes.Repeat([]byte{0x86, 2, 'a', ':'}, uris)
	now := time.Now()
	var chain []*x509.Certificate
	for i := range certs {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(10 + i)), Subject: pkix.Name{CommonName: "names"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
			ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: tlv(tagSequence, san)}}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		// Parsed leniently: crypto/x509 would make the URIs.
		c, err := parseCertLenient(der)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, c)
	}
	return signTiny(t, &SignOptions{Signer: key, Certificates: chain})
}

// withContent returns the signature valid with its content's digest
// algorithm and digest replaced (when not nil) and, when si is not nil,
// its SignerInfo too.
func withContent(t *testing.T, valid, digestAlg, digest, si []byte) []byte {
	t.Helper()
	var ci contentInfo
	var sd signedDataASN
	if _, err := unmarshalTest(valid, &ci); err != nil {
		t.Fatal(err)
	}
	if _, err := unmarshalTest(ci.Content.Bytes, &sd); err != nil {
		t.Fatal(err)
	}
	var idc spcIndirectDataContent
	if _, err := unmarshalTest(sd.ContentInfo.Content.Bytes, &idc); err != nil {
		t.Fatal(err)
	}
	if digestAlg == nil {
		digestAlg = mustMarshal(idc.MessageDigest.DigestAlgorithm)
	}
	if digest == nil {
		digest = idc.MessageDigest.Digest
	}
	if si == nil {
		si = sd.SignerInfos.FullBytes
	} else {
		si = tlv(tagSet, si)
	}
	content := tlv(tagSequence, mustMarshal(idc.Data), tlv(tagSequence, digestAlg, derOctets(digest)))
	return tlv(tagSequence, derOID(oidSignedData), tlv(tagContext0, tlv(tagSequence,
		derInt(1), sd.DigestAlgorithms.FullBytes, tlv(tagSequence, derOID(oidSpcIndirectData), tlv(tagContext0, content)),
		sd.Certificates.FullBytes, si)))
}

// withSerial returns der with its serial number replaced (and its
// signature no longer valid).
func withSerial(t *testing.T, der []byte, serial *big.Int) []byte {
	t.Helper()
	var c lenientCert
	var tbs lenientTBS
	if _, err := asn1.Unmarshal(der, &c); err != nil {
		t.Fatal(err)
	}
	if _, err := asn1.Unmarshal(c.TBS.FullBytes, &tbs); err != nil {
		t.Fatal(err)
	}
	tbs.Serial = serial
	b, err := asn1.Marshal(tbs)
	if err != nil {
		t.Fatal(err)
	}
	c.TBS = asn1.RawValue{FullBytes: b}
	if der, err = asn1.Marshal(c); err != nil {
		t.Fatal(err)
	}
	return der
}

// longSerialSignature returns a signature of the tiny package whose
// signer's issuer, a CA named by an organizational unit alone, has a
// serial number of size bytes and a key that did not sign the signer's
// certificate: crypto/x509 names such a candidate issuer by the decimal
// form of its serial in the error of a failed chain.
func longSerialSignature(t *testing.T, size int) []byte {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey, leafKey, otherKey := key(), key(), key()
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{OrganizationalUnit: []string{"Hostile CA"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), BasicConstraintsValid: true, IsCA: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	serial := new(big.Int).Lsh(big.NewInt(1), uint(8*size-1))
	ca, err := x509.ParseCertificate(withSerial(t, caDER, serial))
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(6), Subject: pkix.Name{CommonName: "signer"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caTmpl, &leafKey.PublicKey, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		t.Fatal(err)
	}
	return signTiny(t, &SignOptions{Signer: leafKey, Certificates: []*x509.Certificate{leaf, ca}})
}

// TestHostileSignatures: crafted signature streams give typed errors
// within the time and memory budgets.
func TestHostileSignatures(t *testing.T) {
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	valid := signTiny(t, &SignOptions{Signer: pki.LeafKey, Certificates: []*x509.Certificate{pki.Leaf, pki.Root}})
	a, b, leaf, leafKey := loopCerts(t)
	loop := signTiny(t, &SignOptions{Signer: leafKey, Certificates: []*x509.Certificate{leaf, a, b}})
	manyCerts := func(n int) []byte {
		// A SignedData whose certificate set holds n copies of the root.
		var certs [][]byte
		for range n {
			certs = append(certs, pki.Root.Raw)
		}
		sd := tlv(tagSequence, derInt(1), tlv(tagSet), tlv(tagSequence, derOID(oidSpcIndirectData)), tlv(tagContext0, certs...), tlv(tagSet))
		return tlv(tagSequence, derOID(oidSignedData), tlv(tagContext0, sd))
	}
	cases := []struct {
		name string
		sig  []byte
		ex   []byte
		want error
	}{
		{"empty", []byte{}, nil, ErrFormat},
		{"over 4 MiB", append(bytes.Clone(valid), make([]byte, maxSignatureSize)...), nil, ErrFormat},
		{"absurd length", []byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06, 0x09}, nil, ErrFormat},
		{"length past the end", append([]byte{0x30, 0x83, 0x10, 0x00, 0x00}, valid...), nil, ErrFormat},
		{"100,000 nested SEQUENCEs", nest(100000, nil), nil, ErrFormat},
		{"nested SEQUENCEs as the content", tlv(tagSequence, derOID(oidSignedData), tlv(tagContext0, nest(50000, nil))), nil, ErrFormat},
		{"300 certificates", manyCerts(300), nil, ErrFormat},
		{"trailing garbage in SignedData", func() []byte {
			var ci contentInfo
			if _, err := unmarshalTest(valid, &ci); err != nil {
				t.Fatal(err)
			}
			return tlv(tagSequence, derOID(oidSignedData), tlv(tagContext0, append(bytes.Clone(ci.Content.Bytes), 0x05, 0x00)))
		}(), nil, ErrFormat},
		{"certificate loop", loop, nil, ErrUntrusted},
		// Checking a signature costs the square of the modulus size: 3 s
		// for this one before keys over Windows' 16,384 bits were refused.
		{"200,000-bit RSA key", bigKeySignature(t, 200000), nil, ErrFormat},
		{"16,384-bit RSA key", bigKeySignature(t, 16384), nil, ErrBadSignature},
		// pkix.Name's String is quadratic in the attributes: 2.4 s for
		// this signer's name before problems named it with FormatName,
		// and crypto/x509 allocated 70 MB decoding it.
		{"signer name of 60,000 attributes", floodSignature(t, 60000), nil, ErrFormat},
		{"signer name of 63 attributes", floodSignature(t, 62), nil, ErrUntrusted},
		// crypto/x509's chain error names the CA by its serial in
		// decimal: 5 s for this one before long serials were refused.
		{"CA serial of 4 MB", longSerialSignature(t, 4_000_000), nil, ErrFormat},
		{"CA serial of 64 bytes", longSerialSignature(t, 64), nil, ErrUntrusted},
		// crypto/x509 allocates about 170 bytes for each URI in a
		// subjectAltName: 180 MiB of peak memory for a signature of
		// 1,000,000 of them before the extensions of a signature's
		// certificates were limited to 32,768 elements in all.
		{"signer with 1,000,000 URIs", sanSignature(t, 1, 1_000_000), nil, ErrFormat},
		{"250 certificates with 4,000 URIs each", sanSignature(t, 250, 4000), nil, ErrFormat},
		{"signer with 30,000 URIs", sanSignature(t, 1, 30000), nil, ErrUntrusted},
		// A digest or an identifier of 4 MB was quoted whole in
		// hexadecimal or decimal: 8 MB in every problem sbom and audit
		// printed.
		{"content digest of 4 MB", withContent(t, valid, nil, make([]byte, 4_000_000), nil), nil, ErrDigestMismatch},
		{"digest algorithm of 4,000,000 arcs", withContent(t, valid, tlv(tagSequence, tlv(0x06, append([]byte{0x2a}, bytes.Repeat([]byte{1}, 4_000_000)...))), nil, nil), nil, ErrUntrusted},
		{"messageDigest attribute of 4 MB", withContent(t, valid, nil, nil, tlv(tagSequence, derInt(1), tlv(tagSequence, pki.Leaf.RawIssuer, derBigInt(pki.Leaf.SerialNumber)),
			derAlgorithm(oidSHA256, true), tlv(tagContext0, derAttribute(oidAttrMessageDigest, derOctets(make([]byte, 4_000_000)))),
			derAlgorithm(oidECDSAWithSHA256, false), derOctets([]byte{1}))), nil, ErrBadSignature},
		{"Ex stream of 1 MiB", valid, make([]byte, 1<<20), ErrFormat},
		{"Ex stream of the wrong length", valid, make([]byte, 7), ErrDigestMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pkg, err := tinyPackage(c.sig, c.ex)
			if err != nil {
				t.Fatal(err)
			}
			var msg string
			testenv.CheckBudget(t, c.name, func() {
				_, err = verifyBytes(pkg, &VerifyOptions{Roots: emptyPool})
				if err != nil {
					msg = err.Error() // what a caller prints
				}
			})
			if len(msg) > 8192 {
				t.Errorf("error of %d bytes: %.200q", len(msg), msg)
			}
			if !errors.Is(err, c.want) || !typed(err) {
				t.Errorf("err = %.500v, want %v", err, c.want)
			}
		})
	}
	// The valid signature, for contrast, verifies against its root.
	pkg, _ := tinyPackage(valid, nil)
	if _, err := verifyBytes(pkg, &VerifyOptions{Roots: newPool(pki.Root)}); err != nil {
		t.Errorf("valid signature: %v", err)
	}
}
