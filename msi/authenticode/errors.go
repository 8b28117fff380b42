package authenticode

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"

	"github.com/msikit/msikit/msi"
)

// Sentinel errors. Verify's problems wrap them, so errors.Is tells the
// kinds apart.
var (
	// ErrNotSigned means the package has no \x05DigitalSignature stream.
	ErrNotSigned = errors.New("authenticode: package is not signed")
	// ErrFormat is matched by every *FormatError: the signature streams
	// are malformed. Such errors match msi.ErrFormat as well.
	ErrFormat = errors.New("authenticode: malformed signature")
	// ErrDigestMismatch means the package's contents (or, for the
	// extended signature, its metadata) are not what was signed.
	ErrDigestMismatch = errors.New("authenticode: digest mismatch")
	// ErrBadSignature means the PKCS#7 signature itself does not verify:
	// the signed attributes do not match the content or the signer's key
	// does not verify them.
	ErrBadSignature = errors.New("authenticode: signature does not verify")
	// ErrUntrusted means the signer's certificate chain does not lead to
	// a trusted root (or the chain is not valid for code signing).
	ErrUntrusted = errors.New("authenticode: certificate not trusted")
	// ErrExpired means the signer's certificate was not valid at the time
	// of signing: the timestamp's time, or now when there is none.
	ErrExpired = errors.New("authenticode: certificate not valid at signing time")
	// ErrBadTimestamp means a timestamp (RFC 3161 token or Authenticode
	// countersignature) is present but does not verify.
	ErrBadTimestamp = errors.New("authenticode: timestamp does not verify")
)

// A FormatError reports a malformed signature: the stream, the byte
// offset in it where known (-1 otherwise), and what is wrong.
type FormatError struct {
	Stream string // the signature stream concerned
	Offset int64  // byte offset in Stream, or -1
	Msg    string // what is wrong
	Err    error  // underlying cause, if any
}

// Error formats the error as "authenticode: stream S: offset N: msg: cause".
func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString("authenticode: ")
	if e.Stream != "" {
		fmt.Fprintf(&b, "%s: ", strings.ReplaceAll(e.Stream, "\x05", `\x05`))
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, "offset %d: ", e.Offset)
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause, if any.
func (e *FormatError) Unwrap() error { return e.Err }

// Is reports whether target is ErrFormat or msi.ErrFormat.
func (e *FormatError) Is(target error) bool { return target == ErrFormat || target == msi.ErrFormat }

// An UnsupportedError reports a valid signature this package does not
// handle, such as an unknown digest or key algorithm.
type UnsupportedError struct {
	Msg string
}

// Error returns "authenticode: unsupported: " and the message.
func (e *UnsupportedError) Error() string { return "authenticode: unsupported: " + e.Msg }

// A DigestError reports a digest mismatch: which digest, the value the
// signature holds and the value computed from the package. It matches
// ErrDigestMismatch.
type DigestError struct {
	// Extended is true for the metadata pre-hash
	// (\x05MsiDigitalSignatureEx), false for the content digest.
	Extended bool
	Signed   []byte // the value in the signature
	Computed []byte // the value computed from the package
	Msg      string // extra explanation, if any
}

// Error says which digest differs and both values in hexadecimal.
func (e *DigestError) Error() string {
	what := "content digest"
	if e.Extended {
		what = `metadata digest (\x05MsiDigitalSignatureEx)`
	}
	s := fmt.Sprintf("authenticode: %s mismatch: signed %s, computed %s", what, hexText(e.Signed), hexText(e.Computed))
	if e.Msg != "" {
		s += " (" + e.Msg + ")"
	}
	return s
}

// Is reports whether target is ErrDigestMismatch.
func (e *DigestError) Is(target error) bool { return target == ErrDigestMismatch }

// maxQuotedDigest is the longest digest a message quotes whole (SHA-512's
// 64 bytes); maxQuotedArcs the longest object identifier (real ones have
// under 20 arcs). A signature stream of 4 MiB can hold a digest or an
// identifier of 4 MB, which every program printing its problems (sbom,
// audit) would print twice its size of.
const (
	maxQuotedDigest = 64
	maxQuotedArcs   = 64
)

// hexText formats a digest from a signature in hexadecimal: its first
// maxQuotedDigest bytes and its length when it is longer.
func hexText(b []byte) string {
	if len(b) <= maxQuotedDigest {
		return fmt.Sprintf("%X", b)
	}
	return fmt.Sprintf("%X…(%d bytes)", b[:maxQuotedDigest], len(b))
}

// oidText formats an object identifier from a signature: its first
// maxQuotedArcs/2 arcs and their number when it has over maxQuotedArcs.
func oidText(oid asn1.ObjectIdentifier) string {
	if len(oid) <= maxQuotedArcs {
		return oid.String()
	}
	return fmt.Sprintf("%s…(%d arcs)", oid[:maxQuotedArcs/2], len(oid))
}

// problem wraps a sentinel with a one-line explanation.
type problem struct {
	kind error
	msg  string
	err  error
}

func (p *problem) Error() string {
	s := p.kind.Error() + ": " + p.msg
	if p.err != nil {
		s += ": " + p.err.Error()
	}
	return s
}

func (p *problem) Unwrap() []error {
	if p.err != nil {
		return []error{p.kind, p.err}
	}
	return []error{p.kind}
}

func newProblem(kind error, err error, format string, args ...any) error {
	return &problem{kind: kind, msg: fmt.Sprintf(format, args...), err: err}
}

// A VerifyError lists every problem Verify found, each its own error
// (one line). It matches each problem's kind through errors.Is.
type VerifyError struct {
	Problems []error
}

// Error joins the problems with "; ".
func (e *VerifyError) Error() string {
	s := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		s[i] = p.Error()
	}
	return strings.Join(s, "; ")
}

// Unwrap returns the problems.
func (e *VerifyError) Unwrap() []error { return e.Problems }
