package darwin

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"

	clipping "github.com/msikit/msikit/internal/clip"
)

// alphabet lists the base-85 digits in value order.
const alphabet = "!$%&'()*+,-.0123456789=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{}~"

// digit maps a byte to its base-85 value, or -1.
var digit = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// GUIDLen is the length of a GUID in a descriptor: 20 base-85 digits.
const GUIDLen = 20

// MaxFeatureLen is the longest feature name a descriptor can carry, in
// UTF-16 code units: msi.dll's MsiDecomposeDescriptor refuses a longer one
// (MAX_FEATURE_CHARS, 38, the width of the Feature table's key).
const MaxFeatureLen = 38

// ErrFormat is matched (with errors.Is) by every error that reports text
// that is not a darwin descriptor, a GUID that does not parse or a
// malformed shell link.
var ErrFormat = errors.New("darwin: invalid descriptor")

// A FormatError reports malformed input: Offset is the byte offset in the
// input where the problem was found (in a descriptor, or in a shell link
// file), Msg what is wrong there.
type FormatError struct {
	Offset int64
	Msg    string
}

// Error formats the error as "darwin: offset N: message".
func (e *FormatError) Error() string {
	return fmt.Sprintf("darwin: offset %d: %s", e.Offset, e.Msg)
}

// Is reports whether target is ErrFormat.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

func formatErr(off int, format string, args ...any) error {
	return &FormatError{Offset: int64(off), Msg: clipping.Sprintf(format, args...)}
}

// A Descriptor is what a darwin descriptor names: a product, one of its
// features and one of its components. Product and Component are GUIDs in
// registry form, "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}", upper case.
type Descriptor struct {
	Product string
	// Feature is the feature whose health Windows Installer checks before
	// it returns the component's path. It is empty in the short form that
	// leaves it out; the product then has one feature.
	Feature string
	// Component is the component code (the Component table's ComponentId),
	// or "" in the short form that ends with '<' instead of '>' and a
	// component.
	Component string
}

// Encode returns the descriptor of d: the product's 20 base-85 digits,
// the feature name, then '>' and the component's 20 digits, or '<' when
// d has no component. A descriptor written for a shell verb is followed by
// a space and the verb's arguments; that is up to the caller.
//
// Encode fails when Product or a non-empty Component is not a GUID, or
// the feature is longer than MaxFeatureLen or holds '<', '>' or NUL, which
// no decoder could read back.
func Encode(d Descriptor) (string, error) {
	p, err := EncodeGUID(d.Product)
	if err != nil {
		return "", fmt.Errorf("darwin: product code: %w", err)
	}
	if n := utf16Len(d.Feature); n > MaxFeatureLen {
		return "", formatErr(0, "feature %q is %d characters long, more than the %d a descriptor can hold", d.Feature, n, MaxFeatureLen)
	}
	if i := strings.IndexAny(d.Feature, "<>\x00"); i >= 0 {
		return "", formatErr(0, "feature %q holds %q, which ends a descriptor's feature", d.Feature, d.Feature[i])
	}
	if d.Component == "" {
		return p + d.Feature + "<", nil
	}
	c, err := EncodeGUID(d.Component)
	if err != nil {
		return "", fmt.Errorf("darwin: component code: %w", err)
	}
	return p + d.Feature + ">" + c, nil
}

// Parse decodes the descriptor at the start of s and returns it with the
// number of bytes it spans, as msi.dll's MsiDecomposeDescriptor reports
// them: what follows (a space and the arguments of a shell verb, or the
// next string of a list) is not part of it.
//
// The feature name runs from byte 20 to the first '<' or '>', at most
// MaxFeatureLen UTF-16 code units; '>' is followed by the component's 20
// digits. Each GUID's four 5-digit groups must hold a 32-bit value (85^5
// exceeds 2^32; no writer produces a larger group).
func Parse(s string) (Descriptor, int, error) {
	var d Descriptor
	p, err := decodeGUIDAt(s, 0)
	if err != nil {
		return d, 0, err
	}
	d.Product = p
	rest := s[GUIDLen:]
	i := strings.IndexAny(rest, "<>")
	if i < 0 {
		return d, 0, formatErr(len(s), "no '<' or '>' after the feature name")
	}
	feature := rest[:i]
	if n := utf16Len(feature); n > MaxFeatureLen {
		return d, 0, formatErr(GUIDLen, "feature name of %d characters, more than %d", n, MaxFeatureLen)
	}
	if j := strings.IndexByte(feature, 0); j >= 0 {
		return d, 0, formatErr(GUIDLen+j, "NUL in the feature name")
	}
	d.Feature = feature
	end := GUIDLen + i + 1
	if rest[i] == '>' {
		c, err := decodeGUIDAt(s, end)
		if err != nil {
			return Descriptor{}, 0, err
		}
		d.Component = c
		end += GUIDLen
	}
	return d, end, nil
}

// Decode decodes s, a whole descriptor optionally followed by a space and
// arguments (as a shell verb's "command" value holds them), and returns
// the descriptor and the arguments without that space. Text after the
// descriptor that does not start with a space is an error.
func Decode(s string) (d Descriptor, args string, err error) {
	d, n, err := Parse(s)
	if err != nil {
		return Descriptor{}, "", err
	}
	rest := s[n:]
	if rest == "" {
		return d, "", nil
	}
	if rest[0] != ' ' {
		return Descriptor{}, "", formatErr(n, "%q after the descriptor (arguments follow a space)", clip(rest))
	}
	return d, rest[1:], nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 24 {
		return s[:24] + "..."
	}
	return s
}

// EncodeGUID returns the 20-digit base-85 form of a GUID given as
// "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" (braces optional, either
// case): its 16 bytes in Windows memory layout read as four little-endian
// 32-bit words, each written as 5 digits, least significant first.
func EncodeGUID(guid string) (string, error) {
	b, err := guidBytes(guid)
	if err != nil {
		return "", err
	}
	var out [GUIDLen]byte
	for w := 0; w < 4; w++ {
		x := binary.LittleEndian.Uint32(b[4*w:])
		for i := 0; i < 5; i++ {
			out[5*w+i] = alphabet[x%85]
			x /= 85
		}
	}
	return string(out[:]), nil
}

// DecodeGUID decodes the 20-digit base-85 form of a GUID and returns it
// in registry form, upper case with braces.
func DecodeGUID(s string) (string, error) {
	if len(s) != GUIDLen {
		return "", formatErr(0, "%d characters, a compressed GUID has %d", len(s), GUIDLen)
	}
	return decodeGUIDAt(s, 0)
}

// decodeGUIDAt decodes the 20 digits at s[off:].
func decodeGUIDAt(s string, off int) (string, error) {
	if len(s)-off < GUIDLen {
		return "", formatErr(len(s), "%d characters left, a compressed GUID has %d", len(s)-off, GUIDLen)
	}
	var b [16]byte
	for w := 0; w < 4; w++ {
		var v, base uint64 = 0, 1
		for i := 0; i < 5; i++ {
			at := off + 5*w + i
			d := digit[s[at]]
			if d < 0 {
				return "", formatErr(at, "%q is not a base-85 digit", s[at])
			}
			v += uint64(d) * base
			base *= 85
		}
		if v > 0xFFFFFFFF {
			return "", formatErr(off+5*w, "digits %q exceed 32 bits", s[off+5*w:off+5*w+5])
		}
		binary.LittleEndian.PutUint32(b[4*w:], uint32(v))
	}
	return guidString(b), nil
}

// guidBytes parses a GUID into its Windows memory layout.
func guidBytes(s string) ([16]byte, error) {
	var b [16]byte
	t := s
	if len(t) == 38 && t[0] == '{' && t[37] == '}' {
		t = t[1:37]
	}
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return b, formatErr(0, "%q is not a GUID ({XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX})", clip(s))
	}
	hex := t[0:8] + t[9:13] + t[14:18] + t[19:23] + t[24:36]
	var raw [16]byte
	for i := 0; i < 16; i++ {
		hi, ok1 := hexVal(hex[2*i])
		lo, ok2 := hexVal(hex[2*i+1])
		if !ok1 || !ok2 {
			return b, formatErr(0, "%q is not a GUID (not hexadecimal)", clip(s))
		}
		raw[i] = hi<<4 | lo
	}
	// Data1 (4 bytes), Data2 and Data3 (2 bytes each) are little-endian
	// in memory; Data4's 8 bytes are in text order.
	b[0], b[1], b[2], b[3] = raw[3], raw[2], raw[1], raw[0]
	b[4], b[5] = raw[5], raw[4]
	b[6], b[7] = raw[7], raw[6]
	copy(b[8:], raw[8:])
	return b, nil
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func guidString(b [16]byte) string {
	return fmt.Sprintf("{%08X-%04X-%04X-%04X-%012X}",
		binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]),
		binary.LittleEndian.Uint16(b[6:8]), b[8:10], b[10:16])
}

// NormalizeGUID returns a GUID in registry form (upper case, braces), or
// an error if s is not a GUID.
func NormalizeGUID(s string) (string, error) {
	b, err := guidBytes(s)
	if err != nil {
		return "", err
	}
	return guidString(b), nil
}

// PackGUID returns the 32-digit "packed" form of a GUID that Windows
// Installer uses in registry key names (Installer\Products\<packed>, the
// UserData Components keys): each of the first three groups reversed,
// then each byte of the last two groups with its two hex digits swapped.
func PackGUID(guid string) (string, error) {
	g, err := NormalizeGUID(guid)
	if err != nil {
		return "", err
	}
	h := strings.ReplaceAll(g[1:37], "-", "")
	var out []byte
	out = append(out, reverse(h[0:8])...)
	out = append(out, reverse(h[8:12])...)
	out = append(out, reverse(h[12:16])...)
	for i := 16; i < 32; i += 2 {
		out = append(out, h[i+1], h[i])
	}
	return string(out), nil
}

// UnpackGUID returns the registry form of a packed GUID (PackGUID's
// inverse).
func UnpackGUID(packed string) (string, error) {
	if len(packed) != 32 {
		return "", formatErr(0, "%q is not a packed GUID (32 hex digits)", clip(packed))
	}
	for i := 0; i < 32; i++ {
		if _, ok := hexVal(packed[i]); !ok {
			return "", formatErr(i, "%q is not a packed GUID (not hexadecimal)", clip(packed))
		}
	}
	var h []byte
	h = append(h, reverse(packed[0:8])...)
	h = append(h, reverse(packed[8:12])...)
	h = append(h, reverse(packed[12:16])...)
	for i := 16; i < 32; i += 2 {
		h = append(h, packed[i+1], packed[i])
	}
	s := string(h)
	return NormalizeGUID(s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32])
}

func reverse(s string) []byte {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}

// utf16Len is the number of UTF-16 code units of s, counted without
// converting it (an invalid byte counts one, as utf16.Encode of []rune(s)
// counts its U+FFFD).
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r) // 1 or 2: range yields no surrogates
	}
	return n
}
