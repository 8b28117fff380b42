package msi

import (
	"encoding/binary"
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

// encodingOf returns the encoding of a Windows codepage: nil for UTF-8
// (65001). ok is false for codepage 0 (neutral) and for codepages msikit
// has no table for; the two users decide what those mean:
//
//   - the database (newCodec) reads neutral text as UTF-8 when it is
//     valid UTF-8, else as Windows-1252, and writes it as Windows-1252
//     when it can; an unknown codepage reads as Windows-1252 and refuses
//     new non-ASCII text;
//   - summary information (summaryEncoding) reads and writes both as
//     Windows-1252, the usual ANSI codepage of packages that leave it
//     unset.
func encodingOf(cp int) (enc encoding.Encoding, ok bool) {
	switch cp {
	case 65001:
		return nil, true
	case 874:
		return charmap.Windows874, true
	case 932:
		return japanese.ShiftJIS, true
	case 936:
		return simplifiedchinese.GBK, true
	case 949:
		return korean.EUCKR, true
	case 950:
		return traditionalchinese.Big5, true
	case 1250:
		return charmap.Windows1250, true
	case 1251:
		return charmap.Windows1251, true
	case 1252:
		return charmap.Windows1252, true
	case 1253:
		return charmap.Windows1253, true
	case 1254:
		return charmap.Windows1254, true
	case 1255:
		return charmap.Windows1255, true
	case 1256:
		return charmap.Windows1256, true
	case 1257:
		return charmap.Windows1257, true
	case 1258:
		return charmap.Windows1258, true
	}
	return nil, false
}

func newCodec(cp int) codec {
	c := codec{cp: cp, known: true}
	if cp == 0 {
		return c // neutral: see decode and encode
	}
	c.enc, c.known = encodingOf(cp)
	if !c.known {
		// Unknown codepage: text decodes as Windows-1252 (the bytes are
		// kept, so nothing is lost on rewrite); new non-ASCII text is refused.
		c.enc = charmap.Windows1252
	}
	return c
}

func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// isASCIIString is isASCII for a string.
func isASCIIString(s string) bool {
	// Eight bytes at a time (the compiler makes the eight loads one): a
	// long string shared by many inserted rows is scanned for each row.
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if w&0x8080808080808080 != 0 {
			return false
		}
		s = s[8:]
	}
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
