package safename

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/msikit/msikit/internal/clip"
)

// ErrUnsafe is matched (with errors.Is) by every error Check returns.
var ErrUnsafe = errors.New("unsafe file name")

// MaxLen is the longest name Check accepts, in bytes of UTF-8: the limit of
// common Linux file systems, and more than the 255 UTF-16 units NTFS allows
// for most names.
const MaxLen = 255

// Error is the error Check returns: the refused name and why.
type Error struct {
	Name   string
	Reason string
}

// Error returns "file name NAME REASON", NAME clipped to clip.Max bytes.
func (e *Error) Error() string {
	return fmt.Sprintf("file name %q %s", clip.String(e.Name), e.Reason)
}

// Is makes errors.Is(err, ErrUnsafe) true.
func (e *Error) Is(target error) bool { return target == ErrUnsafe }

// Check returns nil if name can be created as one file or folder name
// inside a folder, on Windows and on POSIX systems, without naming anything
// else. Otherwise it returns an *Error saying why. It refuses:
//
//   - the empty name, "." and "..";
//   - names longer than MaxLen bytes, or not valid UTF-8;
//   - path separators ('/' and '\\') and ':' (drive letters and NTFS
//     alternate data streams), so absolute, drive and relative paths are
//     all refused;
//   - control characters (C0, DEL and C1);
//   - the characters Windows forbids in names: < > " | ? *;
//   - a trailing space or '.', which Windows strips (so "a." and "a" would
//     be one file there);
//   - the device names Windows reserves in every folder (CON, PRN, AUX, NUL,
//     COM0-9, LPT0-9 and their superscript-digit forms), in any case and
//     with any extension ("nul.txt" is the device too).
func Check(name string) error {
	bad := func(reason string) error { return &Error{Name: name, Reason: reason} }
	switch {
	case name == "":
		return bad("is empty")
	case name == "." || name == "..":
		return bad("names a folder, not a file in it")
	case len(name) > MaxLen:
		return bad(fmt.Sprintf("is longer than %d bytes", MaxLen))
	case !utf8.ValidString(name):
		return bad("is not valid UTF-8")
	}
	for _, r := range name {
		switch {
		case r == '/' || r == '\\':
			return bad("contains a path separator")
		case r == ':':
			return bad("contains ':' (a drive or stream name)")
		case unicode.IsControl(r):
			return bad("contains a control character")
		case strings.ContainsRune(`<>"|?*`, r):
			return bad(fmt.Sprintf("contains %q, which Windows does not allow", r))
		}
	}
	if last := name[len(name)-1]; last == ' ' || last == '.' {
		return bad("ends with a space or '.', which Windows drops")
	}
	if reservedDevice(name) {
		return bad("is a device name Windows reserves")
	}
	return nil
}

// reservedDevice reports whether name is one of the DOS device names,
// ignoring case, an extension and spaces before it.
func reservedDevice(name string) bool {
	base := name
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	base = strings.TrimRight(base, " ")
	if len(base) > len("CONOUT$") {
		return false // longer than every reserved name
	}
	// Upper-cased on the stack when ASCII (most names): no copy per name.
	var up [len("CONOUT$")]byte
	for i := 0; i < len(base); i++ {
		c := base[i]
		if c >= 0x80 {
			return reservedUpper(strings.ToUpper(base))
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	return reservedUpper(string(up[:len(base)]))
}

// reservedUpper is reservedDevice for an upper-cased name without its
// extension.
func reservedUpper(base string) bool {
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) < 4 || (base[:3] != "COM" && base[:3] != "LPT") {
		return false
	}
	switch rest := base[3:]; rest {
	case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
		return true
	}
	return false
}
