package msi

import (
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// codec converts between Go strings and a database codepage.
type codec struct {
	cp    int
	enc   encoding.Encoding // nil for UTF-8 and for codepage 0
	known bool
}

func newCodec(cp int) codec {
	c := codec{cp: cp, known: true}
	switch cp {
	case 0, 65001:
	case 874:
		c.enc = charmap.Windows874
	case 932:
		c.enc = japanese.ShiftJIS
	case 936:
		c.enc = simplifiedchinese.GBK
	case 949:
		c.enc = korean.EUCKR
	case 950:
		c.enc = traditionalchinese.Big5
	case 1250:
		c.enc = charmap.Windows1250
	case 1251:
		c.enc = charmap.Windows1251
	case 1252:
		c.enc = charmap.Windows1252
	case 1253:
		c.enc = charmap.Windows1253
	case 1254:
		c.enc = charmap.Windows1254
	case 1255:
		c.enc = charmap.Windows1255
	case 1256:
		c.enc = charmap.Windows1256
	case 1257:
		c.enc = charmap.Windows1257
	case 1258:
		c.enc = charmap.Windows1258
	default:
		// Unknown codepage: text decodes as Windows-1252 (the bytes are
		// kept, so nothing is lost on rewrite); new non-ASCII text is refused.
		c.enc = charmap.Windows1252
		c.known = false
	}
	return c
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// isASCIIString is isASCII for a string.
func isASCIIString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// decode converts stored bytes to a Go string. It never fails: bytes that
// do not decode become U+FFFD (the original bytes stay in the pool).
func (c codec) decode(b []byte) string {
	if isASCII(b) {
		return string(b)
	}
	switch c.cp {
	case 65001:
		return string(b)
	case 0:
		// CP_ACP: the packages we see are UTF-8 or Windows-1252.
		if utf8.Valid(b) {
			return string(b)
		}
		s, _ := charmap.Windows1252.NewDecoder().Bytes(b)
		return string(s)
	}
	s, err := c.enc.NewDecoder().Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(s)
}

// encode converts a Go string to stored bytes; ok is false when s cannot
// be represented in the codepage.
func (c codec) encode(s string) ([]byte, bool) {
	if isASCII([]byte(s)) {
		return []byte(s), true
	}
	if !utf8.ValidString(s) {
		return nil, false
	}
	switch c.cp {
	case 65001:
		return []byte(s), true
	case 0:
		if b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s)); err == nil {
			return b, true
		}
		return []byte(s), true
	}
	if !c.known {
		return nil, false
	}
	b, err := c.enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		return nil, false
	}
	return b, true
}
