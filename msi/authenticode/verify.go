package authenticode

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/msi"
)

// VerifyOptions controls Verify. The zero value (or nil) checks
// everything against the system's trusted roots at the current time.
type VerifyOptions struct {
	// Roots are the trusted root certificates; nil means the system's.
	Roots *x509.CertPool
	// NoChain skips building the certificate chains to a trusted root
	// (for the signer and the timestamp authority). The digests, the
	// signatures, the timestamp and the signer's validity period at
	// signing time are still checked.
	NoChain bool
	// CurrentTime is "now" for a signature without a timestamp; zero
	// means time.Now().
	CurrentTime time.Time
}

// A Signature describes a package's Authenticode signature as Verify
// decoded it.
type Signature struct {
	// Hash is the digest algorithm of the signed content digest.
	Hash crypto.Hash
	// Digest is the content digest the signature holds.
	Digest []byte
	// Extended reports whether \x05MsiDigitalSignatureEx is present.
	Extended bool
	// Certificates are the certificates embedded in the signature.
	Certificates []*x509.Certificate
	// Signer is the signing certificate, nil when the signature names
	// none of Certificates.
	Signer *x509.Certificate
	// Chains are the verified chains from Signer to a trusted root
	// (empty with VerifyOptions.NoChain or when the chain failed).
	Chains [][]*x509.Certificate
	// SigningTime is the signer's own signingTime attribute, if any: a
	// claim, not a timestamp.
	SigningTime time.Time
	// Timestamp is the verified countersignature, nil when there is none
	// (or it did not verify).
	Timestamp *Timestamp
	// ProgramName and MoreInfoURL come from the SpcSpOpusInfo attribute.
	ProgramName, MoreInfoURL string
	// Nested counts nested signatures (appended by signtool /as); they
	// are reported, not verified.
	Nested int
}

// A Timestamp is a countersignature proving when a package was signed.
type Timestamp struct {
	// RFC3161 is true for an RFC 3161 token, false for a legacy
	// Authenticode countersignature (PKCS#9 signingTime).
	RFC3161 bool
	// Time is the time the timestamp authority vouches for.
	Time time.Time
	// Hash is the digest algorithm of the timestamp's imprint.
	Hash crypto.Hash
	// Signer is the timestamp authority's certificate.
	Signer *x509.Certificate
}

// Kind names the kind of timestamp: "RFC 3161" or "Authenticode".
func (t *Timestamp) Kind() string {
	if t.RFC3161 {
		return "RFC 3161"
	}
	return "Authenticode"
}

// VerifyFile opens the package at path and verifies its signature (see
// Verify).
func VerifyFile(path string, opts *VerifyOptions) (*Signature, error) {
	rc, err := cfb.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return Verify(rc.Reader, opts)
}

// Verify checks the Authenticode signature of the package in cf:
//
//   - the PKCS#7 SignedData in \x05DigitalSignature must decode, hold an
//     SpcIndirectDataContent and name its signer among its certificates;
//   - the content digest (and, when \x05MsiDigitalSignatureEx is present,
//     the metadata pre-hash) recomputed from the package must equal the
//     signed one;
//   - the signer's signature over its signed attributes must verify, and
//     the attributes' messageDigest must match the content;
//   - a timestamp (an RFC 3161 token or a legacy countersignature), when
//     present, must verify; its time is then the time of signing;
//   - the signer's certificate must be valid at the time of signing (now,
//     without a timestamp), and unless opts.NoChain is set, chain to a
//     trusted root for code signing.
//
// The error is nil when everything holds. ErrNotSigned is returned alone
// for an unsigned package, a *FormatError for a signature that does not
// decode, and otherwise a *VerifyError listing every problem found (each
// matching one of ErrDigestMismatch, ErrBadSignature, ErrBadTimestamp,
// ErrExpired, ErrUntrusted, or an *UnsupportedError). The Signature is
// returned whenever the PKCS#7 structure decoded, with or without problems.
func Verify(cf *cfb.Reader, opts *VerifyOptions) (*Signature, error) {
	var o VerifyOptions
	if opts != nil {
		o = *opts
	}
	if o.CurrentTime.IsZero() {
		o.CurrentTime = time.Now()
	}
	sigEntry := cf.Lookup(msi.DigitalSignatureStream)
	exEntry := cf.Lookup(msi.DigitalSignatureExStream)
	if sigEntry == nil || sigEntry.Type != cfb.TypeStream {
		if exEntry != nil {
			return nil, &FormatError{Stream: msi.DigitalSignatureExStream, Offset: -1, Msg: `present without \x05DigitalSignature`}
		}
		return nil, ErrNotSigned
	}
	raw, err := readSmall(sigEntry, maxSignatureSize)
	if err != nil {
		return nil, err
	}
	p := &parser{base: raw, stream: msi.DigitalSignatureStream}
	sd, err := p.parseSignedData(raw)
	if err != nil {
		return nil, err
	}
	if !sd.contentType.Equal(oidSpcIndirectData) {
		return nil, p.errf(nil, nil, "content type %s is not SpcIndirectDataContent", oidText(sd.contentType))
	}
	var idc spcIndirectDataContent
	if _, err := p.unmarshal(sd.contentFull, &idc, true, "SpcIndirectDataContent"); err != nil {
		return nil, err
	}
	sig := &Signature{Digest: idc.MessageDigest.Digest, Extended: exEntry != nil, Certificates: sd.certs}
	var problems []error
	add := func(err error) { problems = append(problems, err) }
	h, ok := hashOf(idc.MessageDigest.DigestAlgorithm.Algorithm)
	switch {
	case !ok:
		add(&UnsupportedError{Msg: "digest algorithm " + oidText(idc.MessageDigest.DigestAlgorithm.Algorithm)})
	case !h.Available():
		add(&UnsupportedError{Msg: fmt.Sprintf("digest algorithm %v is not linked in", h)})
	default:
		sig.Hash = h
	}
	if len(sd.signers) > 1 {
		add(newProblem(ErrBadSignature, nil, "%d signers; Authenticode allows one", len(sd.signers)))
	}
	si := sd.signers[0]

	// 1. The digests.
	if sig.Hash != 0 {
		add(checkDigests(cf, sig, exEntry))
	}

	// 2. The signature over the signed attributes.
	sig.Signer = findSigner(sd.certs, si)
	if sig.Signer == nil {
		add(newProblem(ErrBadSignature, nil, "the signer's certificate is not in the signature"))
	} else {
		add(checkSignerInfo(si, sig.Signer, sd.content, oidSpcIndirectData))
	}
	sig.SigningTime = signingTime(si)
	sig.ProgramName, sig.MoreInfoURL = opusInfo(si)
	for _, a := range si.unauth {
		if a.oid.Equal(oidSpcNestedSignature) {
			sig.Nested += len(a.values)
		}
	}

	// 3. The timestamp.
	signedAt := o.CurrentTime
	ts, tsCerts, err := verifyTimestamp(p, si, sd.certs)
	if err != nil {
		add(err)
	} else if ts != nil {
		sig.Timestamp = ts
		signedAt = ts.Time
	}

	// 4. Validity at the time of signing, and the chains. The timestamp
	// authority's chain is built alongside the signer's: each may take
	// crypto/x509's limit of 100 signature checks, 1.6 s with 16,384-bit
	// RSA keys, and neither needs the other.
	var tsChainErr error
	tsChain := make(chan struct{})
	if sig.Timestamp != nil && sig.Timestamp.Signer != nil && !o.NoChain {
		go func() {
			defer close(tsChain)
			_, tsChainErr = verifyChain(sig.Timestamp.Signer, append(tsCerts, sd.certs...), o.Roots, sig.Timestamp.Time, x509.ExtKeyUsageTimeStamping)
		}()
	} else {
		close(tsChain)
	}
	if sig.Signer != nil {
		when := "now"
		if sig.Timestamp != nil {
			when = "at the timestamp"
		}
		if signedAt.Before(sig.Signer.NotBefore) || signedAt.After(sig.Signer.NotAfter) {
			add(newProblem(ErrExpired, nil, "signer %q is valid from %s to %s, not %s (%s)", FormatName(sig.Signer.Subject),
				sig.Signer.NotBefore.UTC().Format(time.RFC3339), sig.Signer.NotAfter.UTC().Format(time.RFC3339), when, signedAt.UTC().Format(time.RFC3339)))
		} else if !o.NoChain {
			chains, err := verifyChain(sig.Signer, sd.certs, o.Roots, signedAt, x509.ExtKeyUsageCodeSigning)
			if err != nil {
				add(newProblem(ErrUntrusted, err, "signer %q", FormatName(sig.Signer.Subject)))
			}
			sig.Chains = chains
		}
	}
	<-tsChain
	if tsChainErr != nil {
		add(newProblem(ErrUntrusted, tsChainErr, "timestamp authority %q", FormatName(sig.Timestamp.Signer.Subject)))
	}
	problems = compact(problems)
	if len(problems) > 0 {
		return sig, &VerifyError{Problems: problems}
	}
	return sig, nil
}

func compact(errs []error) []error {
	out := errs[:0]
	for _, e := range errs {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// readSmall reads a whole stream that must not exceed limit bytes.
func readSmall(e *cfb.Entry, limit int64) ([]byte, error) {
	if e.Size > limit {
		return nil, &FormatError{Stream: e.Name, Offset: -1, Msg: fmt.Sprintf("%d bytes exceed the %d-byte limit", e.Size, limit)}
	}
	s, err := e.Open()
	if err != nil {
		return nil, err
	}
	b := make([]byte, e.Size)
	if _, err := s.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("authenticode: reading %q: %w", e.Path, err)
	}
	return b, nil
}

// checkDigests recomputes the package's digests and compares them with
// the signed ones.
func checkDigests(cf *cfb.Reader, sig *Signature, exEntry *cfb.Entry) error {
	content, prehash, err := Digest(cf, sig.Hash, exEntry != nil)
	if err != nil {
		return err
	}
	if exEntry != nil {
		stored, err := readSmall(exEntry, 1024)
		if err != nil {
			return err
		}
		if !bytes.Equal(stored, prehash) {
			msg := ""
			if len(stored) != len(prehash) {
				msg = fmt.Sprintf("%d bytes stored, a %v digest has %d", len(stored), sig.Hash, len(prehash))
			}
			return &DigestError{Extended: true, Signed: stored, Computed: prehash, Msg: msg}
		}
	}
	if !bytes.Equal(content, sig.Digest) {
		return &DigestError{Signed: sig.Digest, Computed: content}
	}
	return nil
}

// checkSignerInfo verifies a SignerInfo's signature with cert: over the
// signed attributes (whose messageDigest must match content and whose
// contentType must be ct), or over content itself when there are none.
func checkSignerInfo(si *signerInfo, cert *x509.Certificate, content []byte, ct asn1.ObjectIdentifier) error {
	if si.digest == 0 || !si.digest.Available() {
		return &UnsupportedError{Msg: "signer digest algorithm " + oidText(si.digestOID)}
	}
	signed := content
	if si.authPresent {
		md := si.attr(si.auth, oidAttrMessageDigest)
		if md == nil || len(md.values) != 1 {
			return newProblem(ErrBadSignature, nil, "signed attributes lack one messageDigest")
		}
		var want []byte
		if _, err := asn1.Unmarshal(md.values[0].FullBytes, &want); err != nil {
			return newProblem(ErrBadSignature, err, "bad messageDigest attribute")
		}
		h := si.digest.New()
		h.Write(content)
		if got := h.Sum(nil); !bytes.Equal(got, want) {
			return newProblem(ErrBadSignature, nil, "messageDigest attribute %s does not match the signed content (%X)", hexText(want), got)
		}
		if cta := si.attr(si.auth, oidAttrContentType); ct != nil && cta != nil && len(cta.values) == 1 {
			var got asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(cta.values[0].FullBytes, &got); err != nil || !got.Equal(ct) {
				return newProblem(ErrBadSignature, err, "contentType attribute is %s, want %v", oidText(got), ct)
			}
		}
		signed = si.authRaw
	}
	if err := checkSignature(cert.PublicKey, si, signed); err != nil {
		return newProblem(ErrBadSignature, err, "signature by %q", FormatName(cert.Subject))
	}
	return nil
}

// checkSignature verifies sig over data with pub.
func checkSignature(pub crypto.PublicKey, si *signerInfo, data []byte) error {
	h := si.digest.New()
	h.Write(data)
	sum := h.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if si.sigAlg.Equal(oidRSAPSS) {
			return rsa.VerifyPSS(k, si.digest, sum, si.signature, nil)
		}
		err := rsa.VerifyPKCS1v15(k, si.digest, sum, si.signature)
		if err != nil && si.bareDigestOK {
			// Old VeriSign and Symantec timestamp countersignatures pad
			// the bare digest, without the DigestInfo around it.
			err = rsa.VerifyPKCS1v15(k, 0, sum, si.signature)
		}
		return err
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, sum, si.signature) {
			return errors.New("ECDSA verification failed")
		}
		return nil
	}
	return &UnsupportedError{Msg: fmt.Sprintf("public key type %T", pub)}
}

// maxSameSubject is how many certificates of one subject a signature's
// set offers as candidate issuers, the first in the set's order. A chain
// builder tries each candidate's signature in turn (crypto/x509 up to 100
// checks a chain): 100 certificates of one subject with 16,384-bit RSA
// keys took verify about 4 s for a signer and its countersigner. Real
// sets hold one certificate a subject, two or three when a CA is
// cross-signed or renewed with its name kept.
const maxSameSubject = 8

// verifyChain builds chains from leaf to a trusted root, valid at t for
// usage.
func verifyChain(leaf *x509.Certificate, certs []*x509.Certificate, roots *x509.CertPool, t time.Time, usage x509.ExtKeyUsage) ([][]*x509.Certificate, error) {
	inter := x509.NewCertPool()
	subjects := map[string]int{}
	for _, c := range certs {
		if c == leaf || subjects[string(c.RawSubject)] >= maxSameSubject {
			continue
		}
		subjects[string(c.RawSubject)]++
		inter.AddCert(c)
	}
	return leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: t, KeyUsages: []x509.ExtKeyUsage{usage}})
}

func signingTime(si *signerInfo) time.Time {
	a := si.attr(si.auth, oidAttrSigningTime)
	if a == nil || len(a.values) != 1 {
		return time.Time{}
	}
	var t time.Time
	if _, err := asn1.Unmarshal(a.values[0].FullBytes, &t); err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// spcSpOpusInfo: SEQUENCE { programName [0] EXPLICIT SpcString OPTIONAL,
// moreInfo [1] EXPLICIT SpcLink OPTIONAL }.
type spcSpOpusInfo struct {
	ProgramName asn1.RawValue `asn1:"optional,explicit,tag:0"`
	MoreInfo    asn1.RawValue `asn1:"optional,explicit,tag:1"`
}

func opusInfo(si *signerInfo) (name, url string) {
	a := si.attr(si.auth, oidSpcSpOpusInfo)
	if a == nil || len(a.values) != 1 {
		return "", ""
	}
	var o spcSpOpusInfo
	if _, err := asn1.Unmarshal(a.values[0].FullBytes, &o); err != nil {
		return "", ""
	}
	// SpcString: [0] IMPLICIT BMPString or [1] IMPLICIT IA5String.
	switch o.ProgramName.Tag {
	case 0:
		name = decodeBMP(o.ProgramName.Bytes)
	case 1:
		name = string(o.ProgramName.Bytes)
	}
	// SpcLink: url [0] IMPLICIT IA5String (the only form signers use).
	if o.MoreInfo.Tag == 0 {
		url = string(o.MoreInfo.Bytes)
	}
	return name, url
}

func decodeBMP(b []byte) string {
	r := make([]rune, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		r = append(r, rune(b[i])<<8|rune(b[i+1]))
	}
	return string(r)
}
