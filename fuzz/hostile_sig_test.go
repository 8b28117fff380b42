package fuzz

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/authenticode"
)

// Hostile Authenticode signatures (round 3): packages whose
// \x05DigitalSignature is a well-formed PKCS#7 SignedData within
// authenticode's counts (256 certificates, 16 signers, 64 attributes) that
// attacks the work of verifying and printing it. Everything is built
// deterministically: keys from fixed seeds, ECDSA signatures per RFC 6979,
// stand-in RSA signatures and moduli from a seeded generator.

var (
	oidSigSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidSigIndirectData  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 4}
	oidSigSipInfo       = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 30}
	oidSigContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidSigMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigCounterSig    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 6}
	oidSigSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSigRSASHA256     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSigECDSASHA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidSigCodeSigning   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 3}
	oidSigTimeStamping  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	sigNotBefore        = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	sigNotAfter         = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	// sigTime is when the countersignatures say the packages were signed.
	sigTime = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
)

// der encodes one element with tag and the concatenated parts as content.
func der(tag byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := []byte{tag}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		out = append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func mustDER(t testing.TB, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	must(t, err)
	return b
}

// sigKey returns the P-256 key derived from seed.
func sigKey(t testing.TB, seed string) *ecdsa.PrivateKey {
	t.Helper()
	d := sha256.Sum256([]byte(seed))
	// An SEC 1 ECPrivateKey of the scalar d on P-256, from which the
	// parser derives the public key.
	sec1 := der(0x30, mustDER(t, 1), der(0x04, d[:]), der(0xa0, mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7})))
	k, err := x509.ParseECPrivateKey(sec1)
	must(t, err)
	return k
}

// sigECDSA signs the SHA-256 of data with k, deterministically.
func sigECDSA(t testing.TB, k *ecdsa.PrivateKey, data []byte) []byte {
	t.Helper()
	sum := sha256.Sum256(data)
	s, err := k.Sign(nil, sum[:], crypto.SHA256)
	must(t, err)
	return s
}

// sigNoise returns n bytes from a generator seeded with seed.
func sigNoise(seed uint64, n int) []byte {
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24), 'm', 's', 'i'})
	b := make([]byte, n)
	r.Read(b)
	return b
}

// rsaSPKI returns the SubjectPublicKeyInfo of an RSA key of bits bits
// (an odd number with its top bit set, from seed; nobody holds its
// private key) and the largest public exponent Go accepts.
func rsaSPKI(t testing.TB, seed uint64, bits int) []byte {
	t.Helper()
	b := sigNoise(seed, bits/8)
	b[0] |= 0x80
	b[len(b)-1] |= 1
	spki, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: new(big.Int).SetBytes(b), E: 1<<31 - 1})
	must(t, err)
	return spki
}

// sigName encodes a Name of one common name.
func sigName(t testing.TB, cn string) []byte {
	return mustDER(t, pkix.Name{CommonName: cn}.ToRDNSequence())
}

// A sigCert describes a certificate to build.
type sigCert struct {
	serial          *big.Int
	issuer, subject []byte // encoded Names
	spki            []byte
	ca              bool
	eku             asn1.ObjectIdentifier // nil for none
	san             []byte                // the GeneralNames of a subjectAltName, nil for none
	// Signed by key when set (a real signature); otherwise a stand-in
	// sha256WithRSA signature of rsaBytes bytes that no key verifies, but
	// checking which costs a modular exponentiation of that size.
	key      *ecdsa.PrivateKey
	rsaBytes int
	seed     uint64
}

func (c sigCert) build(t testing.TB) []byte {
	t.Helper()
	alg := pkix.AlgorithmIdentifier{Algorithm: oidSigECDSASHA256}
	if c.key == nil {
		alg = pkix.AlgorithmIdentifier{Algorithm: oidSigRSASHA256, Parameters: asn1.NullRawValue}
	}
	var exts [][]byte
	if c.ca {
		bc := mustDER(t, struct{ CA bool }{true})
		exts = append(exts, mustDER(t, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 19}, Critical: true, Value: bc}))
	}
	if c.eku != nil {
		exts = append(exts, mustDER(t, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Value: mustDER(t, []asn1.ObjectIdentifier{c.eku})}))
	}
	if c.san != nil {
		exts = append(exts, der(0x30, mustDER(t, asn1.ObjectIdentifier{2, 5, 29, 17}), der(0x04, der(0x30, c.san))))
	}
	parts := [][]byte{
		der(0xa0, mustDER(t, 2)),
		mustDER(t, c.serial),
		mustDER(t, alg),
		c.issuer,
		der(0x30, mustDER(t, sigNotBefore), mustDER(t, sigNotAfter)),
		c.subject,
		c.spki,
	}
	if len(exts) > 0 {
		parts = append(parts, der(0xa3, der(0x30, exts...)))
	}
	tbs := der(0x30, parts...)
	var sig []byte
	if c.key != nil {
		sig = sigECDSA(t, c.key, tbs)
	} else {
		sig = sigNoise(c.seed, c.rsaBytes)
		sig[0] = 0 // below any modulus of that size
	}
	return der(0x30, tbs, mustDER(t, alg), mustDER(t, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}))
}

// ecSPKI is the SubjectPublicKeyInfo of k.
func ecSPKI(t testing.TB, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	b, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	must(t, err)
	return b
}

// sigSignerInfo builds a SignerInfo of the certificate issuer/serial with
// key over signed attributes holding contentType (when ct is set),
// signingTime (when at is not zero) and the messageDigest of content,
// with the unsigned attributes unauth.
func sigSignerInfo(t testing.TB, key *ecdsa.PrivateKey, issuer []byte, serial *big.Int, ct asn1.ObjectIdentifier, at time.Time, content []byte, unauth ...[]byte) []byte {
	t.Helper()
	md := sha256.Sum256(content)
	attr := func(oid asn1.ObjectIdentifier, v []byte) []byte { return der(0x30, mustDER(t, oid), der(0x31, v)) }
	var attrs [][]byte
	if ct != nil {
		attrs = append(attrs, attr(oidSigContentType, mustDER(t, ct)))
	}
	if !at.IsZero() {
		attrs = append(attrs, attr(oidSigSigningTime, mustDER(t, at)))
	}
	attrs = append(attrs, attr(oidSigMessageDigest, der(0x04, md[:])))
	// DER sorts a SET OF by encoding.
	for i := range attrs {
		for j := i + 1; j < len(attrs); j++ {
			if bytes.Compare(attrs[j], attrs[i]) < 0 {
				attrs[i], attrs[j] = attrs[j], attrs[i]
			}
		}
	}
	set := der(0x31, attrs...)
	sig := sigECDSA(t, key, set)
	parts := [][]byte{
		mustDER(t, 1),
		der(0x30, issuer, mustDER(t, serial)),
		mustDER(t, pkix.AlgorithmIdentifier{Algorithm: oidSigSHA256, Parameters: asn1.NullRawValue}),
		append([]byte{0xa0}, set[1:]...),
		mustDER(t, pkix.AlgorithmIdentifier{Algorithm: oidSigECDSASHA256}),
		der(0x04, sig),
	}
	if len(unauth) > 0 {
		parts = append(parts, der(0xa1, unauth...))
	}
	return der(0x30, parts...)
}

// A sigPlan says how signedPackage signs a package: a SignedData by
// leafKey (whose certificate, the first of certs, has issuer and serial),
// with a legacy countersignature by tsaKey (tsaIssuer, tsaSerial) when
// tsaKey is set, and crls as the SignedData's CRL set when not empty; pad,
// when not zero, adds a stream of that many bytes; digest, when set, is
// signed instead of the package's digest.
type sigPlan struct {
	leafKey     *ecdsa.PrivateKey
	issuer      []byte
	serial      *big.Int
	tsaKey      *ecdsa.PrivateKey
	tsaIssuer   []byte
	tsaSerial   *big.Int
	certs, crls [][]byte
	pad         int
	digest      []byte // the content digest signed, when not the package's
}

// signedPackage returns base signed as p says.
func signedPackage(t testing.TB, base []byte, p sigPlan) []byte {
	t.Helper()
	cf, err := cfb.NewReader(bytes.NewReader(base), int64(len(base)))
	must(t, err)
	unsigned := base
	if p.pad > 0 {
		unsigned = writePackage(t, cf, map[string][]byte{"Pad": sigNoise(99, p.pad)})
		cf, err = cfb.NewReader(bytes.NewReader(unsigned), int64(len(unsigned)))
		must(t, err)
	}
	digest, _, err := authenticode.Digest(cf, crypto.SHA256, false)
	must(t, err)
	if p.digest != nil {
		digest = p.digest
	}
	sha := mustDER(t, pkix.AlgorithmIdentifier{Algorithm: oidSigSHA256, Parameters: asn1.NullRawValue})
	sipInfo := der(0x30, mustDER(t, 1), der(0x04, []byte{0xf1, 0x10, 0x0c, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46}),
		mustDER(t, 0), mustDER(t, 0), mustDER(t, 0), mustDER(t, 0), mustDER(t, 0))
	idcValue := append(der(0x30, mustDER(t, oidSigSipInfo), sipInfo), der(0x30, sha, der(0x04, digest))...)
	idc := der(0x30, idcValue)
	// The signature value must be known before the countersignature over
	// it: build the SignerInfo without, take its signature, then add it.
	si := sigSignerInfo(t, p.leafKey, p.issuer, p.serial, oidSigIndirectData, time.Time{}, idcValue)
	if p.tsaKey != nil {
		var s struct {
			Version   int
			SID       asn1.RawValue
			Digest    asn1.RawValue
			Auth      asn1.RawValue `asn1:"tag:0"`
			SigAlg    asn1.RawValue
			Signature []byte
		}
		_, err := asn1.Unmarshal(si, &s)
		must(t, err)
		cs := sigSignerInfo(t, p.tsaKey, p.tsaIssuer, p.tsaSerial, nil, sigTime, s.Signature)
		si = sigSignerInfo(t, p.leafKey, p.issuer, p.serial, oidSigIndirectData, time.Time{}, idcValue,
			der(0x30, mustDER(t, oidSigCounterSig), der(0x31, cs)))
	}
	parts := [][]byte{mustDER(t, 1), der(0x31, sha), der(0x30, mustDER(t, oidSigIndirectData), der(0xa0, idc)), der(0xa0, p.certs...)}
	if len(p.crls) > 0 {
		parts = append(parts, der(0xa1, p.crls...))
	}
	parts = append(parts, der(0x31, si))
	sig := der(0x30, mustDER(t, oidSigSignedData), der(0xa0, der(0x30, parts...)))
	return writePackage(t, cf, map[string][]byte{msi.DigitalSignatureStream: sig})
}

// writePackage copies the package in cf with the root streams extra added.
func writePackage(t testing.TB, cf *cfb.Reader, extra map[string][]byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := cfb.NewWriter(&out, &cfb.WriterOptions{Version: cf.Version})
	r := cf.Root
	w.SetRoot(cfb.Header{RawName: r.RawName, CLSID: r.CLSID, StateBits: r.StateBits, Created: r.Created, Modified: r.Modified})
	for _, e := range r.Children {
		must(t, w.Copy(e))
	}
	for _, name := range []string{"Pad", msi.DigitalSignatureStream} {
		if b, ok := extra[name]; ok {
			must(t, w.CreateHeaderFrom("", &cfb.Header{Name: name}, bytes.NewReader(b), int64(len(b))))
		}
	}
	must(t, w.Close())
	return out.Bytes()
}

// verifySig verifies data as msikit verify --json does (the system's
// roots), within the budgets, and returns what Verify returned.
func verifySig(t *testing.T, data []byte, opts *authenticode.VerifyOptions) (sig *authenticode.Signature, err error) {
	t.Helper()
	testenv.CheckBudget(t, "Verify", func() {
		cf, cerr := cfb.NewReader(bytes.NewReader(data), int64(len(data)))
		must(t, cerr)
		sig, err = authenticode.Verify(cf, opts)
	})
	return sig, err
}

// sigBig fills a signature's CRL set and a padding stream so that the
// package lands just under 5 MB, \x05DigitalSignature just under its
// 4 MiB limit: build(crls, pad) makes the package.
func sigBig(t testing.TB, build func(crls [][]byte, pad int) []byte) []byte {
	t.Helper()
	plain := build(nil, 0)
	// A CRL set of 64 KiB elements brings the stream to about 4.1 MB
	// (the package is a few kilobytes besides it).
	var crls [][]byte
	for n := len(plain); n < 4_100_000-64<<10; n += 64<<10 + 4 {
		crls = append(crls, der(0x30, sigNoise(uint64(len(crls)), 64<<10)))
	}
	withCRLs := build(crls, 0)
	// The padding stream costs about 1% more in sector tables.
	return build(crls, (4_960_000-len(withCRLs))*99/100)
}

// buildSigSameSubject: 100 CA certificates with one subject, each with a
// 16,384-bit RSA key (Windows' largest), all candidate issuers of the
// signer's certificate and of the timestamp authority's, both signed with
// a stand-in 16,384-bit RSA signature: building either chain checks that
// signature against every candidate. At 5 MB: 254 of them and a CRL set
// of 3 MB.
func buildSigSameSubject(t testing.TB, scale int) []byte {
	ca := sigName(t, "Same Subject CA")
	leafKey, tsaKey := sigKey(t, "leaf"), sigKey(t, "tsa")
	build := func(crls [][]byte, pad int) []byte {
		leaf := sigCert{serial: big.NewInt(1), issuer: ca, subject: sigName(t, "Hostile Signer"), spki: ecSPKI(t, leafKey),
			eku: oidSigCodeSigning, rsaBytes: 2048, seed: 1}
		tsa := sigCert{serial: big.NewInt(2), issuer: ca, subject: sigName(t, "Hostile TSA"), spki: ecSPKI(t, tsaKey),
			eku: oidSigTimeStamping, rsaBytes: 2048, seed: 2}
		certs := [][]byte{leaf.build(t), tsa.build(t)}
		for i := range min(100*scale, 254) {
			c := sigCert{serial: big.NewInt(int64(100 + i)), issuer: ca, subject: ca, spki: rsaSPKI(t, uint64(1000+i), 16384),
				ca: true, rsaBytes: 2048, seed: uint64(2000 + i)}
			certs = append(certs, c.build(t))
		}
		return signedPackage(t, baseMSI(t), sigPlan{leafKey: leafKey, issuer: ca, serial: leaf.serial,
			tsaKey: tsaKey, tsaIssuer: ca, tsaSerial: tsa.serial, certs: certs, crls: crls, pad: pad})
	}
	if scale > 1 {
		return sigBig(t, build)
	}
	return build(nil, 0)
}

// hostileText is what the signer's name is made of: an OSC retitling
// the terminal, a screen clear and a right-to-left override.
const hostileText = "\x1b]0;owned\x07\x1b[2J\u202eHostile Signer"

// hostileName encodes a Name of the common name hostileText and 63
// organizational units (64 attributes: authenticode's limit) of size
// bytes of hostileText repeated.
func hostileName(t testing.TB, size int) []byte {
	value := mustDER(t, strings.Repeat(hostileText, size/len(hostileText)))
	atv := func(oid asn1.ObjectIdentifier, v []byte) []byte { return der(0x31, der(0x30, mustDER(t, oid), v)) }
	rdns := [][]byte{atv(asn1.ObjectIdentifier{2, 5, 4, 3}, mustDER(t, hostileText))}
	for range 63 {
		rdns = append(rdns, atv(asn1.ObjectIdentifier{2, 5, 4, 11}, value))
	}
	return der(0x30, rdns...)
}

// buildSigLongNames: a valid signature whose signer's subject is 64
// attributes of escape sequences, 2 KB each (62 KB at 5 MB).
func buildSigLongNames(t testing.TB, scale int) []byte {
	key := sigKey(t, "leaf")
	issuer := sigName(t, "Hostile CA")
	leaf := sigCert{serial: big.NewInt(1), issuer: issuer, subject: hostileName(t, 2000*scale), spki: ecSPKI(t, key), eku: oidSigCodeSigning, key: key}
	build := func(crls [][]byte, pad int) []byte {
		return signedPackage(t, baseMSI(t), sigPlan{leafKey: key, issuer: issuer, serial: leaf.serial, certs: [][]byte{leaf.build(t)}, crls: crls, pad: pad})
	}
	if scale > 1 {
		return sigBig(t, build)
	}
	return build(nil, 0)
}

// floodName encodes a Name of one RDN of n empty organizational units
// (9 bytes each) and a common name.
func floodName(t testing.TB, n int) []byte {
	ou := []byte{0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x0b, 0x0c, 0x00}
	return der(0x30, der(0x31, bytes.Repeat(ou, n)), der(0x31, der(0x30, mustDER(t, asn1.ObjectIdentifier{2, 5, 4, 3}), mustDER(t, "flood"))))
}

// buildSigNameFlood: the signer's subject holds 2,000 empty
// organizational units (440,000 at 5 MB). pkix.Name's String appends to a
// string attribute by attribute (minutes at 5 MB), and crypto/x509
// allocates about 300 bytes for each.
func buildSigNameFlood(t testing.TB, scale int) []byte {
	key := sigKey(t, "leaf")
	issuer := sigName(t, "Hostile CA")
	n := 2000 * scale
	build := func(crls [][]byte, pad int) []byte {
		leaf := sigCert{serial: big.NewInt(1), issuer: issuer, subject: floodName(t, n), spki: ecSPKI(t, key), eku: oidSigCodeSigning, key: key}
		return signedPackage(t, baseMSI(t), sigPlan{leafKey: key, issuer: issuer, serial: leaf.serial, certs: [][]byte{leaf.build(t)}, crls: crls, pad: pad})
	}
	if scale > 1 {
		return sigBig(t, build)
	}
	return build(nil, 0)
}

// buildSigLongSerial: the signer's issuer is a CA named only by an
// organizational unit whose serial number has 16 KB (4 MB at 5 MB), and
// whose key did not sign the signer's certificate: Go's chain building
// then blames it, naming it by the decimal form of its serial number,
// whose cost grows faster than its length.
func buildSigLongSerial(t testing.TB, scale int) []byte {
	key, caKey := sigKey(t, "leaf"), sigKey(t, "ca")
	caName := mustDER(t, pkix.Name{OrganizationalUnit: []string{"Hostile CA"}}.ToRDNSequence())
	size := 16_000 * scale
	build := func(crls [][]byte, pad int) []byte {
		serial := new(big.Int).SetBytes(sigNoise(7, size))
		leaf := sigCert{serial: big.NewInt(1), issuer: caName, subject: sigName(t, "Hostile Signer"), spki: ecSPKI(t, key), eku: oidSigCodeSigning, key: key}
		ca := sigCert{serial: serial, issuer: caName, subject: caName, spki: ecSPKI(t, caKey), ca: true, key: caKey}
		return signedPackage(t, baseMSI(t), sigPlan{leafKey: key, issuer: caName, serial: leaf.serial, certs: [][]byte{leaf.build(t), ca.build(t)}, crls: crls, pad: pad})
	}
	if scale > 1 {
		return sigBig(t, build)
	}
	return build(nil, 0)
}

// buildSigURIFlood: the signer's certificate, otherwise valid, has a
// subjectAltName of 40,000 URIs "a:", 4 bytes each (1,000,000 at 5 MB,
// filling the signature stream): crypto/x509 allocates about 170 bytes
// for each.
func buildSigURIFlood(t testing.TB, scale int) []byte {
	key := sigKey(t, "leaf")
	issuer := sigName(t, "Hostile CA")
	san := bytes.Repeat([]byte{0x86, 2, 'a', ':'}, 40_000*scale)
	build := func(crls [][]byte, pad int) []byte {
		leaf := sigCert{serial: big.NewInt(1), issuer: issuer, subject: sigName(t, "Hostile Signer"), spki: ecSPKI(t, key), eku: oidSigCodeSigning, san: san, key: key}
		return signedPackage(t, baseMSI(t), sigPlan{leafKey: key, issuer: issuer, serial: leaf.serial, certs: [][]byte{leaf.build(t)}, crls: crls, pad: pad})
	}
	if scale > 1 {
		return sigBig(t, build)
	}
	return build(nil, 0)
}

// buildSigLongDigest: a signature, otherwise valid, whose content digest
// has 40 KB (4 MB at 5 MB) instead of SHA-256's 32 bytes.
func buildSigLongDigest(t testing.TB, scale int) []byte {
	key := sigKey(t, "leaf")
	issuer := sigName(t, "Hostile CA")
	leaf := sigCert{serial: big.NewInt(1), issuer: issuer, subject: sigName(t, "Hostile Signer"), spki: ecSPKI(t, key), eku: oidSigCodeSigning, key: key}
	build := func(crls [][]byte, pad int) []byte {
		return signedPackage(t, baseMSI(t), sigPlan{leafKey: key, issuer: issuer, serial: leaf.serial, certs: [][]byte{leaf.build(t)}, crls: crls, pad: pad,
			digest: sigNoise(5, 40_000*scale)})
	}
	if scale > 1 {
		return sigBig(t, build)
	}
	return build(nil, 0)
}

// checkSigLongDigest: the digest mismatch quotes the signed digest's
// first 64 bytes and its length.
func checkSigLongDigest(t *testing.T, _ *msi.Database) {
	_, err := verifySig(t, buildSigLongDigest(t, 1), &authenticode.VerifyOptions{NoChain: true})
	var de *authenticode.DigestError
	if !errors.As(err, &de) || len(de.Signed) != 40_000 {
		t.Fatalf("err = %.300v, want a *DigestError", err)
	}
	want := fmt.Sprintf("authenticode: content digest mismatch: signed %X…(40000 bytes), computed %X", de.Signed[:64], de.Computed)
	if diff := cmp.Diff(want, de.Error()); diff != "" {
		t.Errorf("DigestError (-want +got):\n%s", diff)
	}
}

// checkSigSameSubject: the signature and its countersignature verify;
// building the two chains checks the stand-in 16,384-bit signatures of
// the first 8 candidates of the issuer's subject, then fails.
func checkSigSameSubject(t *testing.T, _ *msi.Database) {
	data := buildSigSameSubject(t, 1)
	sig, err := verifySig(t, data, &authenticode.VerifyOptions{NoChain: true, CurrentTime: sigTime})
	if err != nil || sig.Timestamp == nil || !sig.Timestamp.Time.Equal(sigTime) || len(sig.Certificates) != 102 {
		t.Fatalf("without the chains: err %v, signature %+v", err, sig)
	}
	// crypto/rsa allocates about 0.7 MB for each check of a 16,384-bit
	// signature: trying all 100 candidates of each chain, as crypto/x509
	// would, took 140 MB (and 3.9 s of CPU, which a wall time budget
	// here would not measure for the machine's load; cmd/msikit's
	// TestEveryCommandOnCraftedFixtures holds msikit verify on this
	// package to 5 s of CPU time). The chains are offered 8 candidates
	// of one subject (maxSameSubject), 16 checks.
	_, alloc := testenv.Measure(func() {
		cf, cerr := cfb.NewReader(bytes.NewReader(data), int64(len(data)))
		must(t, cerr)
		_, err = authenticode.Verify(cf, &authenticode.VerifyOptions{Roots: x509.NewCertPool()})
	})
	t.Logf("Verify with the chains allocated %d MB", alloc>>20)
	if alloc >= 48<<20 {
		t.Errorf("Verify with the chains allocated %d MB, want under 48 (8 candidate issuers of one subject for each chain)", alloc>>20)
	}
	var ve *authenticode.VerifyError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 || !errors.Is(err, authenticode.ErrUntrusted) {
		t.Errorf("with the chains: %v, want the signer and the timestamp authority untrusted", err)
	}
}

// checkSigLongNames: the signature verifies; its signer's name, 126 KB
// of escape sequences, is formatted clipped.
func checkSigLongNames(t *testing.T, _ *msi.Database) {
	sig, err := verifySig(t, buildSigLongNames(t, 1), &authenticode.VerifyOptions{NoChain: true})
	if err != nil || sig.Signer == nil {
		t.Fatalf("err %v, signature %+v", err, sig)
	}
	name := authenticode.FormatName(sig.Signer.Subject)
	// "CN=" and the common name, then ",OU=" and the 63 values with
	// "+OU=" between them, each ";" escaped; clipped to 120 bytes (at a
	// character boundary) and the length.
	esc := func(s string) string { return strings.ReplaceAll(s, ";", `\;`) }
	value := esc(strings.Repeat(hostileText, 2000/len(hostileText)))
	full := "CN=" + esc(hostileText) + ",OU=" + strings.Repeat(value+"+OU=", 62) + value
	cut := full[:120]
	for !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	if want := fmt.Sprintf("%s…(%d bytes)", cut, len(full)); name != want {
		t.Errorf("FormatName = %q, want %q", name, want)
	}
}

// checkSigRefused: a signature holding a certificate past one of
// authenticode's limits is refused with a *FormatError saying which.
func checkSigRefused(build func(testing.TB, int) []byte, want string) func(*testing.T, *msi.Database) {
	return func(t *testing.T, _ *msi.Database) {
		_, err := verifySig(t, build(t, 1), nil)
		var fe *authenticode.FormatError
		if !errors.As(err, &fe) || fe.Stream != msi.DigitalSignatureStream || fe.Offset < 0 || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %.300v, want a *FormatError with an offset saying %q", err, want)
		}
	}
}
