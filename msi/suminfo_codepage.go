package msi

import (
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// summaryEncoding returns the encoding of a property set codepage, or nil
// for UTF-8 (65001). Codepage 0 and unknown codepages are read as
// Windows-1252 (see encodingOf).
func summaryEncoding(cp int) encoding.Encoding {
	if enc, ok := encodingOf(cp); ok {
		return enc
	}
	return charmap.Windows1252
}

// decodeSummaryString decodes b from codepage cp. Pure ASCII is returned as
// is; bytes that do not decode become U+FFFD (Raw keeps the exact bytes).
func decodeSummaryString(cp int, b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	enc := summaryEncoding(cp)
	if enc == nil {
		return string(b)
	}
	s, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(s)
}

// encodeSummaryString encodes s in codepage cp, failing for characters the
// codepage cannot represent and for NUL.
func encodeSummaryString(cp int, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return nil, fmt.Errorf("string contains NUL")
		}
	}
	enc := summaryEncoding(cp)
	if enc == nil {
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("string is not valid UTF-8")
		}
		return []byte(s), nil
	}
	b, err := encoding.ReplaceUnsupported(enc.NewEncoder()).Bytes([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("cannot encode %q in codepage %d: %w", s, cp, err)
	}
	if back, err := enc.NewDecoder().Bytes(b); err != nil || string(back) != s {
		return nil, fmt.Errorf("cannot represent %q in codepage %d", s, cp)
	}
	return b, nil
}
