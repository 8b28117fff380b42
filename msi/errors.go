package msi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/msikit/msikit/internal/clip"
)

// ErrFormat is matched (with errors.Is) by every error that reports a
// malformed database: a truncated or inconsistent stream, a bad string
// reference, an impossible column type.
var ErrFormat = errors.New("msi: invalid database")

// ErrSigned is wrapped by the error WriteTo and Save return when a changed
// package carries a digital signature and the caller did not ask to drop
// it: any change invalidates \x05DigitalSignature.
var ErrSigned = errors.New("msi: package is digitally signed; changing it invalidates the signature (drop the signature to write it)")

// ErrNoTable is matched (with errors.Is) by the error Database.Table
// returns for a table the database does not have; Database.HasTable tells
// beforehand.
var ErrNoTable = errors.New("msi: no table")

// ErrLimit is wrapped by the error of an edit that asks for more work
// than the database's size allows (SetCodepage called over and over).
var ErrLimit = errors.New("msi: too much work for the size of the database")

// ErrClosed is returned by methods of a Database after Close.
var ErrClosed = errors.New("msi: database is closed")

// FormatError describes malformed input. Stream is the decoded name of the
// stream in error (for example "_StringPool" or "Binary.Icon"), Table the
// table being decoded, Offset the byte offset inside the stream (or -1 when
// not meaningful).
type FormatError struct {
	Stream string
	Table  string
	Offset int64
	Msg    string
	Err    error
}

// Error formats the error as "msi: table T: stream S: offset N: message:
// cause", leaving out each part that is empty (the stream when it equals
// the table, the offset when it is -1).
func (e *FormatError) Error() string {
	// Sized for the parts written (an error made for each of 360,000
	// tables that fail, each text written once and dropped: room for
	// an offset that is not written took the 53 bytes of "msi: table
	// t1f: stream _Columns: table has no columns" to 96, and the
	// Builder itself another 32).
	n := len("msi: ") + len(e.Msg)
	if e.Table != "" {
		n += len("table : ") + len(e.Table)
	}
	if e.Stream != "" && e.Stream != e.Table {
		n += len("stream : ") + len(e.Stream)
	}
	if e.Offset >= 0 {
		n += len("offset 18446744073709551615: ")
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString("msi: ")
	if e.Table != "" {
		b.WriteString("table ")
		b.WriteString(e.Table)
		b.WriteString(": ")
	}
	if e.Stream != "" && e.Stream != e.Table {
		b.WriteString("stream ")
		b.WriteString(e.Stream)
		b.WriteString(": ")
	}
	if e.Offset >= 0 {
		// Not through fmt, which would move b to the heap (a second
		// allocation for every error's text).
		var num [20]byte
		b.WriteString("offset ")
		b.Write(strconv.AppendInt(num[:0], e.Offset, 10))
		b.WriteString(": ")
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

// Is reports whether target is ErrFormat.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

// UnsupportedError reports valid input that this package does not handle,
// such as a codepage without a conversion table.
type UnsupportedError struct {
	Stream string
	Table  string
	Msg    string
}

// Error formats the error as "msi: unsupported: table T: message", naming
// the stream instead when no table is set.
func (e *UnsupportedError) Error() string {
	s := "msi: unsupported: "
	if e.Table != "" {
		s += "table " + e.Table + ": "
	} else if e.Stream != "" {
		s += "stream " + e.Stream + ": "
	}
	return s + e.Msg
}

// ValueError reports an edit that was refused: a wrong number of values,
// a value of the wrong type, a null in a non-nullable column, a duplicate
// primary key, or (in strict mode) a string longer than the column's
// declared size or a value the _Validation table does not allow. Key holds the row's
// primary key values as text, when known.
type ValueError struct {
	Table  string
	Column string
	Key    []string
	Reason string
}

// Error formats the error as "msi: table T row [k1, k2] column C: reason",
// leaving out the row and column when unknown.
func (e *ValueError) Error() string {
	var b strings.Builder
	b.WriteString("msi: table ")
	b.WriteString(clip.String(e.Table)) // names from IDT headers may be megabytes long
	if len(e.Key) > 0 {
		b.WriteString(" row [")
		b.WriteString(strings.Join(e.Key, ", "))
		b.WriteString("]")
	}
	if e.Column != "" {
		b.WriteString(" column ")
		b.WriteString(clip.String(e.Column))
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// formatErr builds a *FormatError.
func formatErr(table, stream string, off int64, msg string, args ...any) *FormatError {
	return &FormatError{Table: table, Stream: stream, Offset: off, Msg: fmt.Sprintf(msg, args...)}
}
