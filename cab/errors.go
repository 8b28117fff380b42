package cab

import (
	"errors"
	"fmt"
	"strings"
)

// ErrFormat is matched by errors.Is for every error caused by a malformed
// or truncated cabinet.
var ErrFormat = errors.New("cab: invalid format")

// A FormatError reports malformed cabinet data: what was wrong and the byte
// offset in the cabinet where it was found (-1 when not tied to one offset,
// for instance inside a compressed block). errors.Is(err, ErrFormat) holds
// for every FormatError.
type FormatError struct {
	Offset int64  // byte offset in the cabinet, or -1
	Msg    string // what is wrong
	Err    error  // underlying cause, or nil
}

// Error formats the error as "cab: at offset N: message: cause", leaving out
// the offset when it is -1 and the cause when Err is nil.
func (e *FormatError) Error() string {
	s := "cab: " + e.Msg
	if e.Offset >= 0 {
		s = fmt.Sprintf("cab: at offset %d: %s", e.Offset, e.Msg)
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "cab: ")
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *FormatError) Unwrap() error { return e.Err }

// Is reports whether target is ErrFormat.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

// formatErr builds a *FormatError.
func formatErr(off int64, msg string, err error) error {
	return &FormatError{Offset: off, Msg: msg, Err: err}
}

// An UnsupportedError reports a valid cabinet feature this package does
// not handle, such as an unknown compression method.
type UnsupportedError struct {
	Method int    // compression method (low 4 bits of typeCompress), or -1
	Msg    string // what is unsupported
}

// Error formats the error as "cab: unsupported: message (compression method
// N)", leaving out the method when it is -1.
func (e *UnsupportedError) Error() string {
	if e.Method >= 0 {
		return fmt.Sprintf("cab: unsupported: %s (compression method %d)", e.Msg, e.Method)
	}
	return "cab: unsupported: " + e.Msg
}

// ErrLimit is matched by errors.Is for the *LimitError of decoding past
// ReaderOptions.Limit.
var ErrLimit = errors.New("cab: decoding limit reached")

// A LimitError reports that decoding a block would have taken the work
// counted by a Limit past its bound. The cabinet is not malformed:
// errors.Is(err, ErrFormat) does not hold.
type LimitError struct {
	Limit  int64 // the Limit's bound
	Folder int   // index of the folder in its cabinet
	Offset int64 // the folder's decoded bytes before the block
}

// Error formats the error as "cab: folder N: decoding past offset M would
// pass the decoding limit of L bytes".
func (e *LimitError) Error() string {
	return fmt.Sprintf("cab: folder %d: decoding past offset %d would pass the decoding limit of %d bytes", e.Folder, e.Offset, e.Limit)
}

// Is reports whether target is ErrLimit.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// An InterruptError reports that ReaderOptions.Interrupt stopped decoding
// a folder. The cabinet is not malformed: errors.Is(err, ErrFormat) does
// not hold, and errors.Is matches what Interrupt returned (for a context,
// context.Canceled or context.DeadlineExceeded).
type InterruptError struct {
	Folder int   // index of the folder in its cabinet
	Offset int64 // the folder's decoded bytes when decoding stopped
	Err    error // what Interrupt returned
}

// Error formats the error as "cab: folder N: decoding stopped at offset M:
// cause".
func (e *InterruptError) Error() string {
	return fmt.Sprintf("cab: folder %d: decoding stopped at offset %d: %v", e.Folder, e.Offset, e.Err)
}

// Unwrap returns what Interrupt returned.
func (e *InterruptError) Unwrap() error { return e.Err }
