package edit

import (
	"crypto/sha256"
	"fmt"
	"hash/fnv"
	"strings"
)

// FitIdent returns base as a valid Identifier of at most width characters
// that taken (lower-cased keys) does not hold: base itself when it fits
// and is free; otherwise its first width-9 characters, "_" and 8 hex
// digits of an FNV-1a hash of seed and an attempt counter (in a column
// narrower than 10 characters, "_" and as many hex digits as fit).
// Characters that may not appear in an Identifier become '_'. It returns
// "" only when width is below 2 and base does not fit.
//
// The hashed names of a column narrower than 10 characters are few (16
// for 2 characters, 4,096 for 4): FitIdent tries 4 times as many hashes
// as there are such names (2^20 at most), then, up to 65,536 names, each
// in order, and returns "" when none is free. (Every call tried 2^20
// hashes once they were all taken: 0.5 s each, for each registry-only
// component of a package whose Component column is 2 characters wide.)
// IdentFitter remembers a width with none free.
func FitIdent(base string, width int, seed string, taken map[string]bool) string {
	base = SanitizeIdent(base)
	if len(base) <= width && !taken[strings.ToLower(base)] {
		return base
	}
	if width < 2 {
		return ""
	}
	prefix := "_"
	digits := width - 1
	if width >= 10 {
		prefix, digits = base[:min(len(base), width-9)]+"_", 8
	}
	attempts := 1 << 20
	if digits < 5 {
		attempts = 4 << (4 * digits) // 4 x 16^digits
	}
	for i := 0; i < attempts; i++ {
		h := fnv.New32a()
		fmt.Fprintf(h, "%s\x00%d", seed, i)
		hex := fmt.Sprintf("%08X", h.Sum32())
		if digits < 8 {
			hex = hex[:digits]
		}
		if name := prefix + hex; !taken[strings.ToLower(name)] {
			return name
		}
	}
	if digits < 5 {
		// The few names left, in order: the hashes above need not
		// reach each.
		for j := range 1 << (4 * digits) {
			if name := fmt.Sprintf("%s%0*X", prefix, digits, j); !taken[strings.ToLower(name)] {
				return name
			}
		}
	}
	return ""
}

// An IdentFitter is FitIdent for the names of one taken set, which only
// grows: once no hashed name of a width is free, it looks for none again
// (a width under 10, whose hashed names are few; base alone is tried).
// The zero value is ready.
type IdentFitter struct {
	full [10]bool // by width
}

// Fit returns FitIdent(base, width, seed, taken), without trying the
// hashed names of a width that had none free.
func (f *IdentFitter) Fit(base string, width int, seed string, taken map[string]bool) string {
	if width < 2 || width >= len(f.full) {
		return FitIdent(base, width, seed, taken)
	}
	if f.full[width] {
		base = SanitizeIdent(base)
		if len(base) <= width && !taken[strings.ToLower(base)] {
			return base
		}
		return ""
	}
	name := FitIdent(base, width, seed, taken)
	if name == "" {
		f.full[width] = true
	}
	return name
}

// SanitizeIdent maps s to a valid Identifier: bytes outside letters,
// digits, '_' and '.' become '_', and so does a leading digit or period.
func SanitizeIdent(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !IdentByte(c, i == 0) {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

// IdentByte reports whether c may appear in an Identifier: letters,
// digits, '_' and '.', but not a digit or period first.
func IdentByte(c byte, first bool) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_':
		return true
	case c >= '0' && c <= '9', c == '.':
		return !first
	}
	return false
}

// GUIDFromHash formats the first 16 bytes of a hash as a name-based
// (version 5 layout) GUID in upper case with braces: the same data always
// gives the same GUID (a new component's ComponentId, a PackageCode
// derived from the changes).
func GUIDFromHash(sum []byte) string {
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("{%X-%X-%X-%X-%X}", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// TextSHA256 returns the SHA-256 of s, written to the hash through a
// small buffer rather than as []byte(s), which would copy the text (a
// pooled 1 MiB component's name, digested once per text by the passes).
func TextSHA256(s string) [sha256.Size]byte {
	h := sha256.New()
	var buf [4096]byte
	for t := s; t != ""; {
		n := copy(buf[:], t)
		h.Write(buf[:n])
		t = t[n:]
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
