package authenticode

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// Object identifiers used by Authenticode signatures.
var (
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidAttrContentType      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrCounterSignature = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 6}
	oidSpcIndirectData      = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 4}
	oidSpcStatementType     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 11}
	oidSpcSpOpusInfo        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 12}
	oidSpcIndividualSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 21}
	oidSpcSipInfo           = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 30}
	oidSpcNestedSignature   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 4, 1}
	oidSpcRFC3161           = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 3, 3, 1}
	oidTSTInfo              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidRSAEncryption        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSAPSS               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMD5                  = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	oidSHA1                 = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidRSAWithMD5           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}
	oidRSAWithSHA1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidRSAWithSHA256        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidRSAWithSHA384        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidRSAWithSHA512        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidECDSAWithSHA1        = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSAWithSHA256      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	msiSIPGUID              = []byte{0xf1, 0x10, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}
	digestOIDs              = []struct {
		oid asn1.ObjectIdentifier
		h   crypto.Hash
	}{{oidMD5, crypto.MD5}, {oidSHA1, crypto.SHA1}, {oidSHA256, crypto.SHA256}, {oidSHA384, crypto.SHA384}, {oidSHA512, crypto.SHA512}}
)

// hashOf maps a digest algorithm identifier to a hash function.
func hashOf(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	for _, d := range digestOIDs {
		if d.oid.Equal(oid) {
			return d.h, true
		}
	}
	return 0, false
}

// oidOf maps a hash function to its algorithm identifier.
func oidOf(h crypto.Hash) asn1.ObjectIdentifier {
	for _, d := range digestOIDs {
		if d.h == h {
			return d.oid
		}
	}
	return nil
}

// Limits on what a signature may contain. A signature stream is at most
// maxSignatureSize bytes, so these only cap work per byte.
const (
	maxSignatureSize = 4 << 20 // \x05DigitalSignature
	maxCertificates  = 256     // certificates in one SignedData
	maxSigners       = 16      // SignerInfos in one SignedData
	maxAttributes    = 64      // attributes in one set
	// maxRSABits is the largest RSA modulus a certificate may have, the
	// limit of Windows' own RSA providers (Microsoft Enhanced
	// Cryptographic Provider: 16,384 bits). Checking a signature with an
	// n-bit modulus costs about n² and Go sets no limit: a 200,000-bit
	// key, 25 KB of the stream, took 3 s to check, and 4 MiB holds
	// hours of work.
	maxRSABits = 16384
	// maxSerialBytes bounds a certificate's serial number. RFC 5280
	// allows 20 bytes; Go accepts any length, and its chain errors name
	// a certificate without a common name or organization by the decimal
	// form of its serial, whose cost grows faster than its length: 5 s
	// for a serial of 4 MB.
	maxSerialBytes = 64
	// maxNameAttributes bounds the attributes of a certificate's issuer
	// or subject name (real names have a dozen at most). crypto/x509
	// keeps every attribute twice, at about 300 bytes allocated each: a
	// name of 60,000 empty ones, 540 KB, cost 70 MB, and one filling the
	// stream 150 MiB of peak memory.
	maxNameAttributes = 64
	// maxExtensionElements bounds the ASN.1 elements in the extensions
	// of all the certificates of one SignedData (a real code signing
	// certificate has under 100; a chain of ten, under 1,000).
	// crypto/x509 allocates for each alternative name, key usage, policy
	// or distribution point it decodes, up to 170 bytes for a 4-byte URI:
	// a signature of 1,000,000 of them, 4 MB, took 180 MiB.
	maxExtensionElements = 32768
)

// ASN.1 shapes (RFC 2315, RFC 5652, Authenticode).

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type signedDataASN struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	ContentInfo      contentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      asn1.RawValue
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type signerInfoASN struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	AuthAttrs          asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnauthAttrs        asn1.RawValue `asn1:"optional,tag:1"`
}

type attributeASN struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

type spcIndirectDataContent struct {
	Data          spcAttributeTypeAndOptionalValue
	MessageDigest digestInfo
}

type spcAttributeTypeAndOptionalValue struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"optional"`
}

type digestInfo struct {
	DigestAlgorithm pkix.AlgorithmIdentifier
	Digest          []byte
}

// Parsed forms.

// signedData is a decoded PKCS#7 SignedData.
type signedData struct {
	contentType asn1.ObjectIdentifier
	content     []byte // the content's value: what the messageDigest attribute covers
	contentFull []byte // the content's whole encoding
	certs       []*x509.Certificate
	signers     []*signerInfo
}

// signerInfo is a decoded SignerInfo.
type signerInfo struct {
	raw         []byte
	serial      *big.Int
	issuer      []byte // raw issuer Name, for issuerAndSerialNumber
	skid        []byte // subjectKeyIdentifier, for CMS version 3
	digest      crypto.Hash
	digestOID   asn1.ObjectIdentifier
	sigAlg      asn1.ObjectIdentifier
	sigParams   asn1.RawValue
	authRaw     []byte // the signed attributes as a SET (tag rewritten), nil if none
	auth        []attribute
	unauth      []attribute
	signature   []byte
	authPresent bool
	// bareDigestOK accepts an RSA signature over the bare digest (no
	// DigestInfo), as legacy countersignatures have.
	bareDigestOK bool
}

type attribute struct {
	oid    asn1.ObjectIdentifier
	values []asn1.RawValue
	off    int // offset of the attribute in the parsed buffer
}

func (si *signerInfo) attr(list []attribute, oid asn1.ObjectIdentifier) *attribute {
	for i := range list {
		if list[i].oid.Equal(oid) {
			return &list[i]
		}
	}
	return nil
}

// parser decodes one buffer, turning encoding/asn1 errors into
// *FormatError with the offset of the element being decoded.
type parser struct {
	base   []byte
	stream string
}

func (p *parser) offset(sub []byte) int64 {
	if len(sub) == 0 && cap(sub) == 0 {
		return -1
	}
	off := cap(p.base) - cap(sub)
	if off < 0 || off > len(p.base) {
		return -1
	}
	return int64(off)
}

func (p *parser) errf(at []byte, err error, format string, args ...any) error {
	return &FormatError{Stream: p.stream, Offset: p.offset(at), Msg: fmt.Sprintf(format, args...), Err: err}
}

// unmarshal decodes one element of b into v and requires nothing after it
// when whole is set.
func (p *parser) unmarshal(b []byte, v any, whole bool, what string) ([]byte, error) {
	rest, err := asn1.Unmarshal(b, v)
	if err != nil {
		return nil, p.errf(b, err, "bad %s", what)
	}
	if whole && len(rest) > 0 {
		return nil, p.errf(rest, nil, "%d bytes after %s", len(rest), what)
	}
	return rest, nil
}

// elements splits the contents of a SET or SEQUENCE into its elements,
// at most limit of them.
func (p *parser) elements(b []byte, limit int, what string) ([]asn1.RawValue, error) {
	var out []asn1.RawValue
	for len(b) > 0 {
		if len(out) == limit {
			return nil, p.errf(b, nil, "more than %d %s", limit, what)
		}
		var rv asn1.RawValue
		rest, err := asn1.Unmarshal(b, &rv)
		if err != nil {
			return nil, p.errf(b, err, "bad %s", what)
		}
		out = append(out, rv)
		b = rest
	}
	return out, nil
}

// parseContentInfo decodes a ContentInfo holding SignedData.
func (p *parser) parseSignedData(b []byte) (*signedData, error) {
	var ci contentInfo
	if _, err := p.unmarshal(b, &ci, false, "PKCS#7 ContentInfo"); err != nil {
		return nil, err
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, p.errf(b, nil, "content type %s is not SignedData", oidText(ci.ContentType))
	}
	var sd signedDataASN
	if _, err := p.unmarshal(ci.Content.Bytes, &sd, true, "SignedData"); err != nil {
		return nil, err
	}
	out := &signedData{contentType: sd.ContentInfo.ContentType}
	if c := sd.ContentInfo.Content; len(c.FullBytes) > 0 {
		// Authenticode's content is the SpcIndirectDataContent SEQUENCE
		// itself; RFC 3161 tokens wrap TSTInfo in an OCTET STRING. Either
		// way the messageDigest attribute covers the inner element's
		// value, without its tag and length.
		var inner asn1.RawValue
		if _, err := p.unmarshal(c.Bytes, &inner, true, "SignedData content"); err != nil {
			return nil, err
		}
		if inner.Class == asn1.ClassUniversal && inner.Tag == asn1.TagOctetString && inner.IsCompound {
			return nil, p.errf(c.Bytes, nil, "constructed OCTET STRING content is not supported")
		}
		out.content, out.contentFull = inner.Bytes, inner.FullBytes
	}
	if len(sd.Certificates.Bytes) > 0 {
		raws, err := p.elements(sd.Certificates.Bytes, maxCertificates, "certificates")
		if err != nil {
			return nil, err
		}
		budget := maxExtensionElements
		for _, r := range raws {
			if r.Class != asn1.ClassUniversal || r.Tag != asn1.TagSequence {
				// Attribute certificates and other CertificateChoices
				// (Microsoft's timestamp tokens carry one) name no key.
				continue
			}
			c, err := parseCertificate(r.FullBytes, &budget)
			if err != nil {
				return nil, p.errf(r.FullBytes, err, "bad certificate")
			}
			out.certs = append(out.certs, c)
		}
	}
	var set asn1.RawValue
	if _, err := p.unmarshal(sd.SignerInfos.FullBytes, &set, true, "SignerInfos"); err != nil {
		return nil, err
	}
	if set.Tag != asn1.TagSet {
		return nil, p.errf(sd.SignerInfos.FullBytes, nil, "SignerInfos is not a SET")
	}
	raws, err := p.elements(set.Bytes, maxSigners, "SignerInfos")
	if err != nil {
		return nil, err
	}
	if len(raws) == 0 {
		return nil, p.errf(sd.SignerInfos.FullBytes, nil, "SignedData has no signer")
	}
	for _, r := range raws {
		si, err := p.parseSignerInfo(r.FullBytes)
		if err != nil {
			return nil, err
		}
		out.signers = append(out.signers, si)
	}
	return out, nil
}

func (p *parser) parseSignerInfo(b []byte) (*signerInfo, error) {
	var s signerInfoASN
	if _, err := p.unmarshal(b, &s, true, "SignerInfo"); err != nil {
		return nil, err
	}
	si := &signerInfo{raw: b, digestOID: s.DigestAlgorithm.Algorithm, sigAlg: s.SignatureAlgorithm.Algorithm,
		sigParams: s.SignatureAlgorithm.Parameters, signature: s.Signature}
	si.digest, _ = hashOf(s.DigestAlgorithm.Algorithm)
	switch {
	case s.SID.Class == asn1.ClassUniversal && s.SID.Tag == asn1.TagSequence:
		var ias issuerAndSerial
		if _, err := p.unmarshal(s.SID.FullBytes, &ias, true, "issuerAndSerialNumber"); err != nil {
			return nil, err
		}
		si.serial, si.issuer = ias.Serial, ias.Issuer.FullBytes
	case s.SID.Class == asn1.ClassContextSpecific && s.SID.Tag == 0:
		si.skid = s.SID.Bytes
	default:
		return nil, p.errf(s.SID.FullBytes, nil, "bad signer identifier")
	}
	if len(s.AuthAttrs.FullBytes) > 0 {
		si.authPresent = true
		// The signature covers the attributes encoded as a SET OF, not
		// with the [0] IMPLICIT tag they are stored under.
		si.authRaw = append([]byte{0x31}, s.AuthAttrs.FullBytes[1:]...)
		attrs, err := p.parseAttributes(s.AuthAttrs.Bytes)
		if err != nil {
			return nil, err
		}
		si.auth = attrs
	}
	if len(s.UnauthAttrs.FullBytes) > 0 {
		attrs, err := p.parseAttributes(s.UnauthAttrs.Bytes)
		if err != nil {
			return nil, err
		}
		si.unauth = attrs
	}
	return si, nil
}

func (p *parser) parseAttributes(b []byte) ([]attribute, error) {
	raws, err := p.elements(b, maxAttributes, "attributes")
	if err != nil {
		return nil, err
	}
	var out []attribute
	for _, r := range raws {
		var a attributeASN
		if _, err := p.unmarshal(r.FullBytes, &a, true, "attribute"); err != nil {
			return nil, err
		}
		vals, err := p.elements(a.Values.Bytes, maxAttributes, "attribute values")
		if err != nil {
			return nil, err
		}
		out = append(out, attribute{oid: a.Type, values: vals, off: int(p.offset(r.FullBytes))})
	}
	return out, nil
}

// parseCertificate decodes a certificate. Old signing certificates break
// rules crypto/x509 now enforces (negative serial numbers, say); for those
// the fields a verifier needs are decoded without its checks.
//
// A certificate whose RSA key is over maxRSABits is refused: every
// signature it checks would cost more than the whole budget; so is one
// whose serial number is over maxSerialBytes, or whose issuer or subject
// has more than maxNameAttributes attributes, or whose extensions hold
// more elements than are left of *budget (taken from it; these two
// checked before crypto/x509 decodes them).
func parseCertificate(der []byte, budget *int) (*x509.Certificate, error) {
	if err := checkShape(der, budget); err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		lc, lerr := parseCertLenient(der)
		if lerr != nil {
			return nil, err
		}
		c = lc
	}
	if c.SerialNumber != nil && c.SerialNumber.BitLen() > 8*maxSerialBytes {
		return nil, fmt.Errorf("serial number of %d bits, more than %d bytes", c.SerialNumber.BitLen(), maxSerialBytes)
	}
	if k, ok := c.PublicKey.(*rsa.PublicKey); ok && k.N != nil && k.N.BitLen() > maxRSABits {
		return nil, fmt.Errorf("RSA key of %d bits, more than %d (Windows' limit)", k.N.BitLen(), maxRSABits)
	}
	return c, nil
}

// checkShape refuses a certificate whose issuer or subject name has more
// than maxNameAttributes attributes, or whose extensions hold more ASN.1
// elements than *budget, which it lowers by their number. It only splits
// elements, allocating nothing per element; a certificate it cannot split
// is left to the parsers to refuse.
func checkShape(der []byte, budget *int) error {
	var cert, tbs asn1.RawValue
	if _, err := asn1.Unmarshal(der, &cert); err != nil {
		return nil
	}
	if _, err := asn1.Unmarshal(cert.Bytes, &tbs); err != nil {
		return nil
	}
	// [0] version (optional), serial, signature, issuer, validity, subject.
	var fields [6]asn1.RawValue
	n := 0
	b := tbs.Bytes
	for ; len(b) > 0 && n < len(fields); n++ {
		rest, err := asn1.Unmarshal(b, &fields[n])
		if err != nil {
			return nil
		}
		if n == 0 && fields[0].Class != asn1.ClassContextSpecific {
			fields[1], n = fields[0], 1 // no version
		}
		b = rest
	}
	if n < len(fields) {
		return nil
	}
	for _, f := range []struct {
		what string
		name []byte
	}{{"issuer", fields[3].Bytes}, {"subject", fields[5].Bytes}} {
		count := 0
		for rdns := f.name; len(rdns) > 0; {
			var rdn asn1.RawValue
			rest, err := asn1.Unmarshal(rdns, &rdn)
			if err != nil {
				return nil
			}
			for atvs := rdn.Bytes; len(atvs) > 0; count++ {
				if count == maxNameAttributes {
					return fmt.Errorf("%s name of more than %d attributes", f.what, maxNameAttributes)
				}
				var atv asn1.RawValue
				if atvs, err = asn1.Unmarshal(atvs, &atv); err != nil {
					return nil
				}
			}
			rdns = rest
		}
	}
	// Then subjectPublicKeyInfo, [1] and [2] unique identifiers and [3]
	// the extensions.
	for len(b) > 0 {
		var f asn1.RawValue
		rest, err := asn1.Unmarshal(b, &f)
		if err != nil {
			return nil
		}
		if f.Class == asn1.ClassContextSpecific && f.Tag == 3 {
			n := countElements(f.Bytes, 8, *budget)
			if n > *budget {
				return fmt.Errorf("extensions of more than %d ASN.1 elements in the signature's certificates", maxExtensionElements)
			}
			*budget -= n
		}
		b = rest
	}
	return nil
}

// countElements counts the ASN.1 elements in b and, depth levels down,
// inside constructed elements and OCTET STRINGs (an extension's value is
// the DER of its own structure), stopping once past limit or at what does
// not decode.
func countElements(b []byte, depth, limit int) int {
	n := 0
	for len(b) > 0 && n <= limit {
		var rv asn1.RawValue
		rest, err := asn1.Unmarshal(b, &rv)
		if err != nil {
			break
		}
		n++
		if depth > 0 && (rv.IsCompound || rv.Class == asn1.ClassUniversal && rv.Tag == asn1.TagOctetString) {
			n += countElements(rv.Bytes, depth-1, limit-n)
		}
		b = rest
	}
	return n
}

type lenientCert struct {
	TBS    asn1.RawValue
	SigAlg pkix.AlgorithmIdentifier
	Sig    asn1.BitString
}

type lenientTBS struct {
	Version  int `asn1:"optional,explicit,default:0,tag:0"`
	Serial   *big.Int
	SigAlg   pkix.AlgorithmIdentifier
	Issuer   asn1.RawValue
	Validity struct{ NotBefore, NotAfter time.Time }
	Subject  asn1.RawValue
	SPKI     asn1.RawValue
	Rest     asn1.RawValue `asn1:"optional"`
}

func parseCertLenient(der []byte) (*x509.Certificate, error) {
	var c lenientCert
	if rest, err := asn1.Unmarshal(der, &c); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("not a certificate")
	}
	var tbs lenientTBS
	if _, err := asn1.Unmarshal(c.TBS.FullBytes, &tbs); err != nil {
		return nil, err
	}
	name := func(raw []byte) (pkix.Name, error) {
		var rdn pkix.RDNSequence
		if rest, err := asn1.Unmarshal(raw, &rdn); err != nil || len(rest) > 0 {
			return pkix.Name{}, fmt.Errorf("bad name")
		}
		var n pkix.Name
		n.FillFromRDNSequence(&rdn)
		return n, nil
	}
	subject, err := name(tbs.Subject.FullBytes)
	if err != nil {
		return nil, err
	}
	issuer, err := name(tbs.Issuer.FullBytes)
	if err != nil {
		return nil, err
	}
	pub, err := x509.ParsePKIXPublicKey(tbs.SPKI.FullBytes)
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		Raw: der, RawTBSCertificate: c.TBS.FullBytes, RawSubjectPublicKeyInfo: tbs.SPKI.FullBytes,
		RawSubject: tbs.Subject.FullBytes, RawIssuer: tbs.Issuer.FullBytes,
		Signature: c.Sig.RightAlign(), SignatureAlgorithm: x509SigAlg(c.SigAlg.Algorithm),
		PublicKey: pub, Version: tbs.Version + 1, SerialNumber: tbs.Serial,
		Subject: subject, Issuer: issuer, NotBefore: tbs.Validity.NotBefore, NotAfter: tbs.Validity.NotAfter,
	}, nil
}

func x509SigAlg(oid asn1.ObjectIdentifier) x509.SignatureAlgorithm {
	switch {
	case oid.Equal(oidRSAWithMD5):
		return x509.MD5WithRSA
	case oid.Equal(oidRSAWithSHA1):
		return x509.SHA1WithRSA
	case oid.Equal(oidRSAWithSHA256):
		return x509.SHA256WithRSA
	case oid.Equal(oidRSAWithSHA384):
		return x509.SHA384WithRSA
	case oid.Equal(oidRSAWithSHA512):
		return x509.SHA512WithRSA
	case oid.Equal(oidECDSAWithSHA256):
		return x509.ECDSAWithSHA256
	case oid.Equal(oidECDSAWithSHA384):
		return x509.ECDSAWithSHA384
	case oid.Equal(oidECDSAWithSHA512):
		return x509.ECDSAWithSHA512
	}
	return x509.UnknownSignatureAlgorithm
}

// findSigner returns the certificate a SignerInfo names.
func findSigner(certs []*x509.Certificate, si *signerInfo) *x509.Certificate {
	for _, c := range certs {
		if si.serial != nil && c.SerialNumber != nil && c.SerialNumber.Cmp(si.serial) == 0 && bytes.Equal(c.RawIssuer, si.issuer) {
			return c
		}
		if si.skid != nil && bytes.Equal(c.SubjectKeyId, si.skid) {
			return c
		}
	}
	return nil
}
