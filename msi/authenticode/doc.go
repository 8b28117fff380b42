// Package authenticode verifies and makes the Authenticode signatures of
// Windows Installer packages (.msi, .msm, .msp, .mst), in pure Go.
//
// # What is signed
//
// A package's signature is a PKCS#7 SignedData in the root stream
// \x05DigitalSignature. Its content, an SpcIndirectDataContent, holds a
// digest of the package:
//
//   - For each storage, starting at the root, its children are taken in
//     the order of their UTF-16LE names compared byte by byte, including
//     the terminating NUL, so a name sorts before every longer name it is
//     a prefix of. Each stream's bytes are hashed; each sub-storage is
//     recursed into; then the storage's CLSID (16 bytes) is hashed. The two
//     signature streams at the root are left out.
//   - With \x05MsiDigitalSignatureEx (signtool's default, osslsigncode's
//     -add-msi-dse), a pre-hash of the metadata is computed first: the
//     root's CLSID and state bits, then in the same order each storage's
//     name, CLSID, state bits and times and each stream's name, size (low
//     32 bits), state bits and times. The pre-hash is stored in
//     \x05MsiDigitalSignatureEx and fed to the content digest before the
//     streams, so the signature then also covers names, sizes and times.
//
// The order and the pre-hash were checked against osslsigncode on every
// signed package of the test corpus (signtool, jsign and osslsigncode
// signatures; SHA-1 and SHA-256; patches with sub-storages) and on
// packages with prefix names, empty streams and nested storages.
//
// # Verifying
//
// Verify (VerifyFile) recomputes the digests, checks the signer's
// signature over its signed attributes, the timestamp when there is one
// (an RFC 3161 token, unsigned attribute 1.3.6.1.4.1.311.3.3.1, or a
// legacy PKCS#9 countersignature), the signer certificate's validity at
// the time of signing (the timestamp's time, or now), and the chain to a
// trusted root for code signing (VerifyOptions.Roots, or the system's).
// Every problem found is reported: the error is a *VerifyError whose
// Problems each match a sentinel (ErrDigestMismatch, ErrBadSignature,
// ErrBadTimestamp, ErrExpired, ErrUntrusted) through errors.Is. An
// unsigned package gives ErrNotSigned, a signature that does not decode a
// *FormatError (matching ErrFormat and msi.ErrFormat).
//
// Nested signatures (signtool /as) are counted, not verified. Go's
// crypto/x509 refuses certificate chains signed with SHA-1, so old
// chains fail the trust check; VerifyOptions.NoChain checks everything
// but the chain.
//
// # Signing
//
// Sign (SignFile, SaveSigned) computes the digests and builds the
// signature with any crypto.Signer whose key is RSA or ECDSA, so a key in
// an HSM or a cloud key service never has to leave it; keys are never
// printed or logged. The package is rewritten with every stream and
// storage copied byte for byte (package cfb), only the signature streams
// replaced. SignOptions chooses the digest (SHA-256 by default, SHA-384,
// SHA-512 or SHA-1), \x05MsiDigitalSignatureEx (Extended) and an RFC 3161
// timestamp authority (TimestampURL). ParsePEM and ParsePFX load keys and
// certificates from PEM files and PKCS#12 (.pfx) files.
//
// SaveSigned is the hook for programs that edit a package with package msi:
// it writes the edited database and signs the result in one call.
//
// # Untrusted input
//
// The signature stream is read whole only up to 4 MiB; encoding/asn1
// decodes it without recursion beyond the fixed shapes used here;
// certificates (256), signers (16) and attributes (64 per set) are
// bounded, and so are a certificate's RSA key (16,384 bits), serial
// number (64 bytes) and the attributes of its names (64); Sign refuses
// certificates past these limits before it starts. Chain building
// is bounded by crypto/x509 (100 signature checks a chain). Malformed
// signatures give a *FormatError with the offset in the stream. Names in
// Verify's problems are formatted by FormatName: clipped, in linear time.
package authenticode
