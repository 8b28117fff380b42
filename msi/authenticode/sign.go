package authenticode

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/msi"
)

// SignOptions says how Sign signs a package.
type SignOptions struct {
	// Signer holds the private key: an *rsa.PrivateKey or
	// *ecdsa.PrivateKey, or any crypto.Signer whose Public key is RSA or
	// ECDSA (an HSM or a cloud key service), so the key need not leave
	// it. Sign never prints, logs or stores the key.
	Signer crypto.Signer
	// Certificates are the signer's certificate first, then any
	// intermediate certificates to embed for verifiers.
	Certificates []*x509.Certificate
	// Hash is the digest algorithm: crypto.SHA256 (the default when 0),
	// SHA384, SHA512 or SHA1.
	Hash crypto.Hash
	// Extended adds \x05MsiDigitalSignatureEx, the metadata pre-hash
	// that makes the signature cover stream names, sizes, state bits and
	// times as well as contents.
	Extended bool
	// TimestampURL, when set, is an RFC 3161 timestamp authority asked to
	// countersign the signature, so that it stays valid after the
	// certificate expires.
	TimestampURL string
	// HTTPClient makes the timestamp request; nil means a client with a
	// one-minute timeout.
	HTTPClient *http.Client
	// ProgramName and MoreInfoURL, when set, go into the SpcSpOpusInfo
	// attribute that Windows shows in its prompt.
	ProgramName, MoreInfoURL string
}

// Sign writes to w a copy of the package in cf signed as opts says. Every
// storage and stream is copied byte for byte with its metadata, except
// that \x05DigitalSignature is replaced and \x05MsiDigitalSignatureEx is
// written (opts.Extended) or left out. The container keeps cf's version.
func Sign(ctx context.Context, w io.Writer, cf *cfb.Reader, opts *SignOptions) error {
	sig, ex, err := signatureStreams(ctx, cf, opts)
	if err != nil {
		return err
	}
	return signPrepared(w, cf, &prepared{sig: sig, ex: ex})
}

// SignFile signs the package at src and writes the result to dst
// atomically (a temporary file beside dst, renamed into place). dst may
// be src itself; then, and when sync is set, the file is flushed to
// stable storage before the rename. A symbolic link at dst is followed,
// as msi.Save follows one: the file it points to is replaced and the
// link kept; a link to nothing, and a dst that is not a regular file (a
// named pipe, a device), is refused.
func SignFile(ctx context.Context, dst, src string, sync bool, opts *SignOptions) error {
	rc, err := cfb.OpenReader(src)
	if err != nil {
		return err
	}
	defer rc.Close()
	// Build the signature first: a refused key or an unreachable
	// timestamp authority must not leave a temporary file behind.
	sig, ex, err := signatureStreams(ctx, rc.Reader, opts)
	if err != nil {
		return err
	}
	pre := &prepared{sig: sig, ex: ex}
	o := &safefile.Options{Sync: sync || safefile.Same(src, dst), FollowSymlink: true, Check: checkSigned}
	return safefile.WriteFile(dst, o, func(w io.Writer) error {
		return signPrepared(w, rc.Reader, pre)
	})
}

// checkSigned reads a signed package back before it is renamed into
// place: the container must open and the signature's digests must match
// its contents. Problems with the certificate (expired, untrusted) are
// the signer's business, not the write's.
func checkSigned(r io.ReaderAt, size int64) error {
	cf, err := cfb.NewReader(r, size)
	if err != nil {
		return err
	}
	_, err = Verify(cf, &VerifyOptions{NoChain: true})
	var fe *FormatError
	if errors.Is(err, ErrNotSigned) || errors.Is(err, ErrDigestMismatch) || errors.As(err, &fe) {
		return err
	}
	return nil
}

type prepared struct{ sig, ex []byte }

func signPrepared(w io.Writer, cf *cfb.Reader, p *prepared) error {
	cw := cfb.NewWriter(w, &cfb.WriterOptions{Version: cf.Version})
	root := cf.Root
	cw.SetRoot(cfb.Header{RawName: root.RawName, CLSID: root.CLSID, StateBits: root.StateBits, Created: root.Created, Modified: root.Modified})
	for _, e := range root.Children {
		if isSignatureStream(e) {
			continue
		}
		if err := cw.Copy(e); err != nil {
			return writeErr(err)
		}
	}
	if err := cw.CreateHeaderFrom("", &cfb.Header{Name: msi.DigitalSignatureStream}, bytes.NewReader(p.sig), int64(len(p.sig))); err != nil {
		return writeErr(err)
	}
	if p.ex != nil {
		if err := cw.CreateHeaderFrom("", &cfb.Header{Name: msi.DigitalSignatureExStream}, bytes.NewReader(p.ex), int64(len(p.ex))); err != nil {
			return writeErr(err)
		}
	}
	if err := cw.Close(); err != nil {
		return writeErr(err)
	}
	return nil
}

// writeErr gives a write error the package prefix. A failed write to the
// destination (an *fs.PathError with Op "write": a full disk) names the
// file and the operation already, so it gets the prefix alone. A stream
// whose source could not be read (*cfb.StreamError) is named as the
// package names it (streamLabel), not by its packed name.
func writeErr(err error) error {
	var se *cfb.StreamError
	if errors.As(err, &se) {
		return fmt.Errorf("authenticode: writing %s at offset %d: %s: %w", streamLabel(se.Root, se.RawName, se.Path), se.Offset, se.Doing(), se.Err)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Op == "write" {
		return fmt.Errorf("authenticode: %w", pe)
	}
	return fmt.Errorf("authenticode: writing: %w", err)
}

// SaveSigned saves db to path, signed: the hook every package writer
// (rewrite, import, repack, apply) calls instead of db.Save when asked to
// sign. The database is written without its old signature to a hidden
// temporary file beside path (".NAME.tmp-unsigned-*", see
// safefile.CreateTemp), signed into path
// atomically and the temporary file removed, so signing costs one more
// write of the package. Like Save, it refuses the file db was opened from
// unless save.InPlace is set, and flushes to stable storage with
// save.Sync or when it replaces that file. save.DropSignature is implied
// (the old signature is replaced); save.Compact is honoured. A refused key
// or an unreachable timestamp authority leaves path as it was.
func SaveSigned(ctx context.Context, db *msi.Database, path string, save *msi.SaveOptions, opts *SignOptions) error {
	var so msi.SaveOptions
	if save != nil {
		so = *save
	}
	if err := checkSignOptions(opts); err != nil {
		return err
	}
	sync := so.Sync
	if src := db.Path(); src != "" {
		if err := safefile.CheckDistinct(src, path, so.InPlace); err != nil {
			return fmt.Errorf("authenticode: %w", err)
		}
		sync = sync || safefile.Same(src, path)
	}
	tmp, err := safefile.CreateTemp(path, "unsigned-")
	if err != nil {
		return fmt.Errorf("authenticode: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName)
	// Save writes the unsigned package as it writes any: with a new
	// PackageCode unless asked to keep it, read back before the rename.
	unsigned := so
	unsigned.DropSignature, unsigned.InPlace, unsigned.Sync = true, false, false
	if err := db.Save(tmpName, &unsigned); err != nil {
		// About path: the temporary name means nothing to the caller's
		// user (a full disk is "write OUT: no space left on device").
		return safefile.NameAs(err, tmpName, path)
	}
	return SignFile(ctx, path, tmpName, sync, opts)
}

// checkSignOptions validates opts before any work is done.
func checkSignOptions(opts *SignOptions) error {
	if opts == nil || opts.Signer == nil {
		return errors.New("authenticode: no signing key")
	}
	if len(opts.Certificates) == 0 {
		return errors.New("authenticode: no signing certificate")
	}
	leaf := opts.Certificates[0]
	type equaler interface{ Equal(crypto.PublicKey) bool }
	pub, ok := opts.Signer.Public().(equaler)
	if !ok || !pub.Equal(leaf.PublicKey) {
		return errors.New("authenticode: the key does not belong to the first certificate")
	}
	switch opts.Signer.Public().(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
	default:
		return &UnsupportedError{Msg: fmt.Sprintf("signing key type %T (want RSA or ECDSA)", opts.Signer.Public())}
	}
	switch h := signHash(opts); h {
	case crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512:
		if !h.Available() {
			return &UnsupportedError{Msg: fmt.Sprintf("digest %v is not linked in", h)}
		}
	default:
		return &UnsupportedError{Msg: fmt.Sprintf("digest %v (want SHA-1, SHA-256, SHA-384 or SHA-512)", h)}
	}
	if leaf.SerialNumber == nil {
		return errors.New("authenticode: the signing certificate has no serial number")
	}
	return checkChain(opts.Certificates)
}

// checkChain refuses certificates the signature could not carry: ones
// that Verify, and so the read-back of every signed write, would refuse.
// Signing with them would do all the work and fail at the end.
func checkChain(certs []*x509.Certificate) error {
	if len(certs) > maxCertificates {
		return &UnsupportedError{Msg: fmt.Sprintf("a chain of %d certificates: a signature holds at most %d", len(certs), maxCertificates)}
	}
	total := 0
	budget := maxExtensionElements
	for i, c := range certs {
		total += len(c.Raw)
		if total > maxSignatureSize {
			return &UnsupportedError{Msg: fmt.Sprintf("certificates of more than %d bytes in all: a signature holds at most %d", maxSignatureSize, maxSignatureSize)}
		}
		if _, err := parseCertificate(c.Raw, &budget); err != nil {
			return &UnsupportedError{Msg: fmt.Sprintf("certificate %d: %v", i+1, err)}
		}
	}
	return nil
}

func signHash(opts *SignOptions) crypto.Hash {
	if opts.Hash == 0 {
		return crypto.SHA256
	}
	return opts.Hash
}

// signatureStreams computes the package's digests and returns the new
// contents of \x05DigitalSignature and \x05MsiDigitalSignatureEx (nil
// without opts.Extended).
func signatureStreams(ctx context.Context, cf *cfb.Reader, opts *SignOptions) (sig, ex []byte, err error) {
	if err := checkSignOptions(opts); err != nil {
		return nil, nil, err
	}
	h := signHash(opts)
	content, prehash, err := Digest(cf, h, opts.Extended)
	if err != nil {
		return nil, nil, err
	}
	sig, err = buildSignature(ctx, content, h, opts)
	if err != nil {
		return nil, nil, err
	}
	if len(sig) > maxSignatureSize {
		return nil, nil, fmt.Errorf("authenticode: signature of %d bytes exceeds the %d-byte limit", len(sig), maxSignatureSize)
	}
	return sig, prehash, nil
}

// buildSignature builds the PKCS#7 SignedData over the content digest.
func buildSignature(ctx context.Context, digest []byte, h crypto.Hash, opts *SignOptions) ([]byte, error) {
	digestAlg := derAlgorithm(oidOf(h), true)
	// SpcIndirectDataContent { SpcAttributeTypeAndOptionalValue {
	// SPC_SIPINFO_OBJID, SpcSipInfo }, DigestInfo }.
	sipInfo := tlv(tagSequence, derInt(1), derOctets(msiSIPGUID), derInt(0), derInt(0), derInt(0), derInt(0), derInt(0))
	idc := tlv(tagSequence,
		tlv(tagSequence, derOID(oidSpcSipInfo), sipInfo),
		tlv(tagSequence, digestAlg, derOctets(digest)))
	// The messageDigest attribute covers the content's value, without
	// the SEQUENCE tag and length.
	var inner asn1.RawValue
	if _, err := asn1.Unmarshal(idc, &inner); err != nil {
		return nil, err
	}
	md := h.New()
	md.Write(inner.Bytes)

	var opus [][]byte
	if opts.ProgramName != "" {
		opus = append(opus, tlv(tagContext0, tlv(0x80, encodeBMP(opts.ProgramName))))
	}
	if opts.MoreInfoURL != "" {
		opus = append(opus, tlv(tagContext1, tlv(0x80, []byte(opts.MoreInfoURL))))
	}
	attrs := [][]byte{
		derAttribute(oidAttrContentType, derOID(oidSpcIndirectData)),
		derAttribute(oidSpcSpOpusInfo, tlv(tagSequence, opus...)),
		derAttribute(oidSpcStatementType, tlv(tagSequence, derOID(oidSpcIndividualSigning))),
		derAttribute(oidAttrMessageDigest, derOctets(md.Sum(nil))),
	}
	// Signed as a SET OF, stored as [0] IMPLICIT with the same content.
	signedAttrs := derSet(tagSet, attrs...)
	ah := h.New()
	ah.Write(signedAttrs)
	signature, err := opts.Signer.Sign(rand.Reader, ah.Sum(nil), h)
	if err != nil {
		return nil, fmt.Errorf("authenticode: signing: %w", err)
	}
	var sigAlg []byte
	switch opts.Signer.Public().(type) {
	case *rsa.PublicKey:
		sigAlg = derAlgorithm(oidRSAEncryption, true)
	case *ecdsa.PublicKey:
		sigAlg = derAlgorithm(ecdsaOID(h), false)
	}
	leaf := opts.Certificates[0]
	parts := [][]byte{
		derInt(1),
		tlv(tagSequence, leaf.RawIssuer, derBigInt(leaf.SerialNumber)),
		digestAlg,
		append([]byte{tagContext0}, signedAttrs[1:]...),
		sigAlg,
		derOctets(signature),
	}
	if opts.TimestampURL != "" {
		token, err := requestTimestamp(ctx, opts.HTTPClient, opts.TimestampURL, h, signature)
		if err != nil {
			return nil, err
		}
		parts = append(parts, tlv(tagContext1, derAttribute(oidSpcRFC3161, token)))
	}
	signerInfo := tlv(tagSequence, parts...)
	var certs [][]byte
	for _, c := range opts.Certificates {
		certs = append(certs, c.Raw)
	}
	sd := tlv(tagSequence,
		derInt(1),
		tlv(tagSet, digestAlg),
		tlv(tagSequence, derOID(oidSpcIndirectData), tlv(tagContext0, idc)),
		tlv(tagContext0, certs...),
		tlv(tagSet, signerInfo))
	return tlv(tagSequence, derOID(oidSignedData), tlv(tagContext0, sd)), nil
}

func ecdsaOID(h crypto.Hash) asn1.ObjectIdentifier {
	switch h {
	case crypto.SHA1:
		return oidECDSAWithSHA1
	case crypto.SHA384:
		return oidECDSAWithSHA384
	case crypto.SHA512:
		return oidECDSAWithSHA512
	}
	return oidECDSAWithSHA256
}

func encodeBMP(s string) []byte {
	var b []byte
	for _, r := range s {
		if r > 0xffff {
			r = 0xfffd
		}
		b = append(b, byte(r>>8), byte(r))
	}
	return b
}

// streamLabel names a stream of a package in a message: a table stream
// at the root by its table ("table File"), another stream at the root by
// its decoded name ("stream \"Binary.Icon\""), one in a storage by its
// path.
func streamLabel(root bool, raw []uint16, path string) string {
	if !root {
		return fmt.Sprintf("stream %q", path)
	}
	name, table := msi.DecodeStreamName(raw)
	if table {
		return "table " + name
	}
	return fmt.Sprintf("stream %q", name)
}
