package msi

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

// Names of the signature streams. Any change to a package invalidates them.
const (
	DigitalSignatureStream   = "\x05DigitalSignature"
	DigitalSignatureExStream = "\x05MsiDigitalSignatureEx"
)

// SignatureInfo describes a package's Authenticode signature. msikit does
// not verify signatures (osslsigncode does); it reports what is there.
type SignatureInfo struct {
	// Signed reports whether \x05DigitalSignature is present; Size is its
	// length.
	Signed bool
	Size   int64
	// Extended reports whether \x05MsiDigitalSignatureEx (the pre-hash of
	// the streams' metadata) is present; ExtendedSize is its length.
	Extended     bool
	ExtendedSize int64
	// Digest is the signer's digest algorithm ("SHA-256", "SHA-1", ...).
	Digest string
	// Subject and Issuer name the signing certificate, NotBefore and
	// NotAfter give its validity (zero when no certificate matched).
	Subject, Issuer     string
	NotBefore, NotAfter time.Time
	// Certificates counts the certificates embedded in the signature.
	Certificates int
	// Err reports why the PKCS#7 structure could not be decoded (the
	// other fields then describe only the streams).
	Err error
}

// maxSignatureSize bounds the signature stream msikit decodes.
const maxSignatureSize = 4 << 20

// Signature reports the package's signature streams and, when present,
// what the PKCS#7 SignedData in \x05DigitalSignature says about the
// signer. A signature that cannot be decoded is reported in
// SignatureInfo.Err; the method's error is reserved for read failures.
func (db *Database) Signature() (SignatureInfo, error) {
	var si SignatureInfo
	var sigStream io.ReaderAt
	for _, s := range db.Streams() {
		switch s.Name {
		case DigitalSignatureStream:
			si.Signed, si.Size = true, s.Size
		case DigitalSignatureExStream:
			si.Extended, si.ExtendedSize = true, s.Size
		}
	}
	if !si.Signed {
		return si, nil
	}
	st, err := db.OpenStream(DigitalSignatureStream)
	if err != nil {
		return si, err
	}
	sigStream = st
	if si.Size > maxSignatureSize {
		si.Err = &FormatError{Stream: DigitalSignatureStream, Offset: -1, Msg: fmt.Sprintf("signature of %d bytes exceeds the %d-byte limit", si.Size, maxSignatureSize)}
		return si, nil
	}
	b := make([]byte, si.Size)
	if _, err := sigStream.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return si, fmt.Errorf("msi: reading %q: %w", DigitalSignatureStream, err)
	}
	si.Err = parsePKCS7(b, &si)
	return si, nil
}

// ASN.1 shapes of PKCS#7 SignedData (RFC 2315), only as deep as needed.
type p7ContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type p7AlgorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type p7SignedData struct {
	Version          int
	DigestAlgorithms []p7AlgorithmIdentifier `asn1:"set"`
	ContentInfo      asn1.RawValue
	Certificates     asn1.RawValue  `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue  `asn1:"optional,tag:1"`
	SignerInfos      []p7SignerInfo `asn1:"set"`
}

type p7IssuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type p7SignerInfo struct {
	Version         int
	IssuerAndSerial p7IssuerAndSerial
	DigestAlgorithm p7AlgorithmIdentifier
	Rest            asn1.RawValue `asn1:"optional"`
}

var (
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	digestNames   = map[string]string{
		"1.2.840.113549.2.5":      "MD5",
		"1.3.14.3.2.26":           "SHA-1",
		"2.16.840.1.101.3.4.2.1":  "SHA-256",
		"2.16.840.1.101.3.4.2.2":  "SHA-384",
		"2.16.840.1.101.3.4.2.3":  "SHA-512",
		"2.16.840.1.101.3.4.2.4":  "SHA-224",
		"2.16.840.1.101.3.4.2.8":  "SHA3-256",
		"2.16.840.1.101.3.4.2.10": "SHA3-512",
	}
)

func sigErr(msg string, err error) error {
	return &FormatError{Stream: DigitalSignatureStream, Offset: -1, Msg: msg, Err: err}
}

func parsePKCS7(b []byte, si *SignatureInfo) error {
	var ci p7ContentInfo
	if _, err := asn1.Unmarshal(b, &ci); err != nil {
		return sigErr("not a PKCS#7 ContentInfo", err)
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return sigErr("content type "+ci.ContentType.String()+" is not SignedData", nil)
	}
	var sd p7SignedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return sigErr("bad SignedData", err)
	}
	var certs []certInfo
	if len(sd.Certificates.Bytes) > 0 {
		rest := sd.Certificates.Bytes
		for len(rest) > 0 {
			var raw asn1.RawValue
			var err error
			if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
				return sigErr("bad certificate list", err)
			}
			si.Certificates++
			if c, err := x509.ParseCertificate(raw.FullBytes); err == nil {
				certs = append(certs, certInfo{c.SerialNumber, c.RawIssuer, c.Subject.String(), c.Issuer.String(), c.NotBefore, c.NotAfter})
			} else if c, ok := parseCertLenient(raw.FullBytes); ok {
				// Old signing certificates break rules crypto/x509 now
				// enforces (negative serial numbers); their names are fine.
				certs = append(certs, c)
			}
		}
	}
	if len(sd.SignerInfos) == 0 {
		return sigErr("SignedData has no signer", nil)
	}
	signer := sd.SignerInfos[0]
	oid := signer.DigestAlgorithm.Algorithm.String()
	if name, ok := digestNames[oid]; ok {
		si.Digest = name
	} else {
		si.Digest = oid
	}
	for _, c := range certs {
		if c.serial != nil && signer.IssuerAndSerial.Serial != nil && c.serial.Cmp(signer.IssuerAndSerial.Serial) == 0 &&
			string(c.rawIssuer) == string(signer.IssuerAndSerial.Issuer.FullBytes) {
			si.Subject, si.Issuer = c.subject, c.issuer
			si.NotBefore, si.NotAfter = c.notBefore.UTC(), c.notAfter.UTC()
			break
		}
	}
	return nil
}

// certInfo is what Signature reports about a certificate.
type certInfo struct {
	serial              *big.Int
	rawIssuer           []byte
	subject, issuer     string
	notBefore, notAfter time.Time
}

// The outer layers of an X.509 certificate, decoded without the checks
// crypto/x509 applies to certificates it would trust.
type lenientCert struct {
	TBS    lenientTBS
	SigAlg asn1.RawValue
	Sig    asn1.RawValue
}

type lenientTBS struct {
	Version  int `asn1:"optional,explicit,default:0,tag:0"`
	Serial   *big.Int
	SigAlg   asn1.RawValue
	Issuer   asn1.RawValue
	Validity struct{ NotBefore, NotAfter time.Time }
	Subject  asn1.RawValue
	Rest     asn1.RawValue `asn1:"optional"`
}

func parseCertLenient(der []byte) (certInfo, bool) {
	var c lenientCert
	if _, err := asn1.Unmarshal(der, &c); err != nil {
		return certInfo{}, false
	}
	name := func(raw []byte) (string, bool) {
		var rdn pkix.RDNSequence
		if rest, err := asn1.Unmarshal(raw, &rdn); err != nil || len(rest) > 0 {
			return "", false
		}
		var n pkix.Name
		n.FillFromRDNSequence(&rdn)
		return n.String(), true
	}
	subject, ok1 := name(c.TBS.Subject.FullBytes)
	issuer, ok2 := name(c.TBS.Issuer.FullBytes)
	if !ok1 || !ok2 {
		return certInfo{}, false
	}
	return certInfo{c.TBS.Serial, c.TBS.Issuer.FullBytes, subject, issuer, c.TBS.Validity.NotBefore, c.TBS.Validity.NotAfter}, true
}
