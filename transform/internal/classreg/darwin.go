package classreg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/msikit/msikit/cfb"
	"strings"
)

// Darwin descriptors are the compressed "product, feature, component"
// strings Windows Installer stores in advertised registration (for example
// in a REG_MULTI_SZ value named after a COM server context, or the "command"
// value under an advertised shell verb). Each GUID takes 20 characters: its
// 16 bytes in Windows memory layout read as four little-endian uint32 words,
// each written as five base-85 digits, least significant first.

// darwinAlphabet lists the base-85 digits in value order.
const darwinAlphabet = "!$%&'()*+,-.0123456789=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{}~"

var darwinDigit = func() (t [128]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(darwinAlphabet); i++ {
		t[darwinAlphabet[i]] = int8(i)
	}
	return t
}()

// errDarwin reports text that is not a darwin descriptor.
var errDarwin = errors.New("transform: not a darwin descriptor")

// A darwinDescriptor is a decoded advertised-component descriptor.
type darwinDescriptor struct {
	Product   string // "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}", upper case
	Feature   string
	Component string // "" when the descriptor names no component ('<' form)
	Args      string // text after the descriptor, without the separating space
}

// gUIDBytes parses "{8-4-4-4-12}" (braces required) into the GUID's
// Windows memory layout.
func gUIDBytes(s string) ([16]byte, bool) {
	if len(s) != 38 || s[0] != '{' || s[37] != '}' {
		return [16]byte{}, false
	}
	g, err := cfb.ParseGUID(s)
	return g, err == nil
}

// encodeGUID85 returns the 20-character base-85 form of a "{…}" GUID.
func encodeGUID85(guid string) (string, error) {
	b, ok := gUIDBytes(guid)
	if !ok {
		return "", fmt.Errorf("transform: %q is not a GUID", guid)
	}
	var out [20]byte
	for w := 0; w < 4; w++ {
		x := binary.LittleEndian.Uint32(b[4*w:])
		for d := 0; d < 5; d++ {
			out[5*w+d] = darwinAlphabet[x%85]
			x /= 85
		}
	}
	return string(out[:]), nil
}

// decodeGUID85 decodes the 20-character base-85 form of a GUID.
func decodeGUID85(s string) (string, bool) {
	if len(s) != 20 {
		return "", false
	}
	var b [16]byte
	for w := 0; w < 4; w++ {
		var v, base uint64 = 0, 1
		for d := 0; d < 5; d++ {
			c := s[5*w+d]
			if c >= 128 || darwinDigit[c] < 0 {
				return "", false
			}
			v += uint64(darwinDigit[c]) * base
			base *= 85
		}
		if v > 0xFFFFFFFF {
			return "", false
		}
		binary.LittleEndian.PutUint32(b[4*w:], uint32(v))
	}
	return cfb.GUID(b).String(), true
}

// encodeDarwin builds a descriptor "product feature > component" (or
// "product feature <" when component is empty).
func encodeDarwin(product, feature, component string) (string, error) {
	p, err := encodeGUID85(product)
	if err != nil {
		return "", err
	}
	if component == "" {
		return p + feature + "<", nil
	}
	c, err := encodeGUID85(component)
	if err != nil {
		return "", err
	}
	return p + feature + ">" + c, nil
}

// decodeDarwin decodes a descriptor, optionally followed by a space and
// arguments. Feature names cannot contain '<' or '>' (they are identifiers),
// so the first of those after the product ends the feature name.
func decodeDarwin(s string) (darwinDescriptor, error) {
	var d darwinDescriptor
	if len(s) < 21 {
		return d, errDarwin
	}
	p, ok := decodeGUID85(s[:20])
	if !ok {
		return d, errDarwin
	}
	d.Product = p
	rest := s[20:]
	i := strings.IndexAny(rest, "<>")
	if i < 0 {
		return d, errDarwin
	}
	d.Feature = rest[:i]
	if strings.ContainsAny(d.Feature, " \t") {
		return d, errDarwin
	}
	rest = rest[i:]
	if rest[0] == '>' {
		if len(rest) < 21 {
			return d, errDarwin
		}
		c, ok := decodeGUID85(rest[1:21])
		if !ok {
			return d, errDarwin
		}
		d.Component = c
		rest = rest[21:]
	} else {
		rest = rest[1:]
	}
	if rest != "" {
		if rest[0] != ' ' {
			return d, errDarwin
		}
		d.Args = rest[1:]
	}
	return d, nil
}

// isDarwinValue reports whether a registry value's data (a REG_MULTI_SZ's
// strings joined by '|', or a plain string) consists of darwin descriptors.
func isDarwinValue(data string) bool {
	if data == "" {
		return false
	}
	for _, part := range strings.Split(data, "|") {
		if _, err := decodeDarwin(part); err != nil {
			return false
		}
	}
	return true
}
