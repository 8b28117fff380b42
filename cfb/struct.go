package cfb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
)

// ErrFormat is the sentinel every *FormatError matches with errors.Is.
var ErrFormat = errors.New("cfb: invalid compound file")

// A FormatError reports malformed compound-file input: what is wrong, the
// byte offset in the file where it was found (-1 if no single offset
// applies), and the entry it concerns when known.
type FormatError struct {
	Offset int64  // byte offset in the file, or -1
	Path   string // path of the entry concerned, "" if none or the root
	Msg    string // what is wrong
	Err    error  // underlying cause, if any
}

// Error formats the error as "cfb: \"path\": message (offset N): cause".
func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString("cfb: ")
	if e.Path != "" {
		p := e.Path
		if len(p) > 200 {
			p = "..." + strings.ToValidUTF8(p[len(p)-200:], "")
		}
		b.WriteString(strconv.Quote(p))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (offset %d)", e.Offset)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *FormatError) Unwrap() error { return e.Err }

// Is reports whether target is ErrFormat.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

// A StreamError is the error Writer.Close returns when the bytes of one
// stream could not be had: reading its source failed (the io.ReaderAt
// given to CreateFrom or CreateHeaderFrom, or the file of an Entry given
// to Copy), or the kernel copy of an Entry's bytes into the destination
// file did. It names the stream so that a format that encodes its names
// (MSI tables) can say which of its parts it was.
type StreamError struct {
	Op      string   // "read": reading the source; "copy": the kernel copy, which reads and writes
	Path    string   // the stream's path below the root, its names decoded and joined by "/"
	RawName []uint16 // the stream's own name, as written
	Root    bool     // the stream is a child of the root
	Offset  int64    // the offset in the stream where it failed
	Err     error    // the cause
}

// Error formats the error as "cfb: reading source of \"path\" at
// offset N: cause" ("copying" for a kernel copy).
func (e *StreamError) Error() string {
	op := "reading source of"
	if e.Op == "copy" {
		op = "copying"
	}
	return fmt.Sprintf("cfb: %s %q at offset %d: %v", op, e.Path, e.Offset, e.Err)
}

// Unwrap returns the cause.
func (e *StreamError) Unwrap() error { return e.Err }

// Doing says what failed, for a message that names the stream its own
// way: "reading the source" (Op "read") or "copying" (Op "copy").
func (e *StreamError) Doing() string {
	if e.Op == "copy" {
		return "copying"
	}
	return "reading the source"
}

func formatErr(off int64, path, format string, args ...any) *FormatError {
	return &FormatError{Offset: off, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Type is the kind of a directory entry.
type Type uint8

// Entry types as stored on disk.
const (
	TypeStorage Type = 1
	TypeStream  Type = 2
	TypeRoot    Type = 5
)

// String returns "storage", "stream", "root", or "type(N)".
func (t Type) String() string {
	switch t {
	case TypeStorage:
		return "storage"
	case TypeStream:
		return "stream"
	case TypeRoot:
		return "root"
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// GUID is a class identifier in its Windows in-memory (on-disk) byte layout:
// Data1 little-endian uint32, Data2 and Data3 little-endian uint16, then the
// 8 bytes of Data4.
type GUID [16]byte

// String formats g as "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" in upper case.
func (g GUID) String() string {
	return fmt.Sprintf("{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
		binary.LittleEndian.Uint32(g[0:4]), binary.LittleEndian.Uint16(g[4:6]),
		binary.LittleEndian.Uint16(g[6:8]), g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15])
}

// IsZero reports whether g is all zeros (the null CLSID).
func (g GUID) IsZero() bool { return g == GUID{} }

// ParseGUID parses the form GUID.String produces; braces are optional and
// hex digits may be in either case.
func ParseGUID(s string) (GUID, error) {
	var g GUID
	t := strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return g, fmt.Errorf("cfb: invalid GUID %q", s)
	}
	hex := strings.ReplaceAll(t, "-", "")
	var raw [16]byte
	for i := range raw {
		v, err := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
		if err != nil {
			return g, fmt.Errorf("cfb: invalid GUID %q", s)
		}
		raw[i] = byte(v)
	}
	// raw is big-endian text order; convert the first three fields.
	g[0], g[1], g[2], g[3] = raw[3], raw[2], raw[1], raw[0]
	g[4], g[5] = raw[5], raw[4]
	g[6], g[7] = raw[7], raw[6]
	copy(g[8:], raw[8:])
	return g, nil
}

// Filetime is a Windows FILETIME: 100-nanosecond ticks since
// 1601-01-01 00:00:00 UTC, kept exactly as stored.
type Filetime uint64

// filetimeUnixDiff is the number of seconds from 1601 to 1970.
const filetimeUnixDiff = 11644473600

// Time converts f to a time.Time in UTC. The zero Filetime (no time stored)
// gives the zero time.Time.
func (f Filetime) Time() time.Time {
	if f == 0 {
		return time.Time{}
	}
	sec := int64(f/10000000) - filetimeUnixDiff
	nsec := int64(f%10000000) * 100
	return time.Unix(sec, nsec).UTC()
}

// FiletimeOf converts t to a Filetime, truncating to 100 ns. The zero
// time.Time and times before 1601 give 0.
func FiletimeOf(t time.Time) Filetime {
	if t.IsZero() {
		return 0
	}
	sec := t.Unix() + filetimeUnixDiff
	if sec < 0 {
		return 0
	}
	return Filetime(uint64(sec)*10000000 + uint64(t.Nanosecond()/100))
}

// compareNames orders sibling names as MS-CFB requires: shorter names
// first, then by upper-cased UTF-16 code units.
func compareNames(a, b []uint16) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	for i := range a {
		x, y := upperUnit(a[i]), upperUnit(b[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// NameKey returns the form of the entry name raw (UTF-16 units) that a
// compound file compares: two names with the same key are one entry name
// ([MS-CFB] 2.6.4 compares names upper-cased unit by unit), so a storage
// cannot hold both, as Writer refuses ("duplicate entry name"). Names of
// different keys are different entries.
func NameKey(raw []uint16) string { return nameKey(raw) }

// AppendNameKey appends NameKey(raw) to dst, without a string for it.
func AppendNameKey(dst []byte, raw []uint16) []byte {
	for _, c := range raw {
		c = upperUnit(c)
		dst = append(dst, byte(c), byte(c>>8))
	}
	return dst
}

// HasCase reports whether a unit of the entry name raw has case, that is
// whether another name can have the same NameKey: a name of units without
// case (digits, punctuation, the CJK range Windows Installer packs its
// stream names into) equals no name but itself.
func HasCase(raw []uint16) bool {
	for _, u := range raw {
		if u < 0x80 {
			if 'a' <= u && u <= 'z' || 'A' <= u && u <= 'Z' {
				return true
			}
			continue
		}
		if utf16.IsSurrogate(rune(u)) || 0x3400 <= u && u < 0xa000 {
			continue // as upperUnit
		}
		if upperUnit(u) != u || unicode.SimpleFold(rune(u)) != rune(u) {
			return true
		}
	}
	return false
}

// upperUnit upper-cases one UTF-16 code unit the simple way (single-unit
// mappings only), which is what CFB implementations do.
func upperUnit(u uint16) uint16 {
	if u < 0x80 {
		if 'a' <= u && u <= 'z' {
			return u - 32
		}
		return u
	}
	if utf16.IsSurrogate(rune(u)) || 0x3400 <= u && u < 0xa000 {
		// Surrogates, and CJK ideographs and Yijing symbols, which have
		// no case: the range Windows Installer's stream names are
		// encoded in (0x3800-0x4840), so opening a package with 100,000
		// streams no longer spends a tenth of a second in unicode.ToUpper.
		return u
	}
	if r := unicode.ToUpper(rune(u)); r < 0x10000 {
		return uint16(r)
	}
	return u
}

// encodeName converts a Go string to UTF-16 code units.
func encodeName(s string) []uint16 { return utf16.Encode([]rune(s)) }

// decodeName converts UTF-16 code units to a Go string; unpaired surrogates
// become U+FFFD (RawName keeps the exact units).
func decodeName(u []uint16) string { return string(utf16.Decode(u)) }
