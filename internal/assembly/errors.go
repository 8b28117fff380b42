package assembly

import (
	"errors"
	"fmt"
)

// ErrFormat is matched (with errors.Is) by every error reporting malformed
// input: a truncated or inconsistent PE image, CLI header, metadata stream
// or manifest.
var ErrFormat = errors.New("assembly: invalid format")

// ErrNoManifest is matched by the errors for well-formed files that carry
// no assembly identity: a native PE image without a CLI header, a .NET
// module without an Assembly table row, a manifest without an
// assemblyIdentity element.
var ErrNoManifest = errors.New("assembly: no assembly manifest")

// A FormatError reports malformed input: which structure (Part) was bad,
// at which byte offset of the file, and why.
type FormatError struct {
	// Part names the structure: "dos header", "pe header", "section table",
	// "cli header", "metadata root", "#~ stream", "#Strings heap",
	// "#Blob heap", "version resource", "manifest".
	Part string
	// Offset is the file offset of the bad data, or -1 when unknown.
	Offset int64
	// Msg says what is wrong.
	Msg string
	// Err is the underlying cause, if any.
	Err error
}

// Error formats the error as "assembly: part: message (offset 0xN): cause",
// leaving out the offset when it is -1 and the cause when Err is nil.
func (e *FormatError) Error() string {
	s := "assembly: " + e.Part + ": " + e.Msg
	if e.Offset >= 0 {
		s += fmt.Sprintf(" (offset %#x)", e.Offset)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *FormatError) Unwrap() error { return e.Err }

// Is reports whether target is ErrFormat.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

func formatErr(part string, off int64, format string, args ...any) error {
	return &FormatError{Part: part, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// An UnsupportedError reports a valid file this package cannot describe,
// such as an image for a machine type with no assembly processor
// architecture.
type UnsupportedError struct {
	Msg string
	// Err is ErrNoManifest when the file carries no assembly identity.
	Err error
}

// Error formats the error as "assembly: unsupported: message"; Err is not
// included (reach it with errors.Is).
func (e *UnsupportedError) Error() string { return "assembly: unsupported: " + e.Msg }

// Unwrap returns Err.
func (e *UnsupportedError) Unwrap() error { return e.Err }

// ErrLimit is matched by the *LimitError of ParseManifest.
var ErrLimit = errors.New("assembly: parse limit reached")

// A LimitError reports a manifest whose XML was not parsed to its
// assemblyIdentity because the bytes of XML a caller allowed ran out.
type LimitError struct {
	Limit int64 // the bytes of XML that could be parsed
}

// Error formats the error as "assembly: manifest: not parsed past N bytes
// of XML, the limit", or "assembly: manifest: not parsed: no XML left
// within the limit" when the limit was 0.
func (e *LimitError) Error() string {
	if e.Limit <= 0 {
		return "assembly: manifest: not parsed: no XML left within the limit"
	}
	return fmt.Sprintf("assembly: manifest: not parsed past %d bytes of XML, the limit", e.Limit)
}

// Is reports whether target is ErrLimit.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }
