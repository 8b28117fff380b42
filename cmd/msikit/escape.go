package main

import (
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Everything msikit prints that comes from a package (table, stream and
// file names, summary information, row values in reports, error messages
// quoting them) goes through escapeName or escapeText, so that a hostile
// package cannot move the cursor, retitle the terminal, hide a line or
// reverse text (ANSI escape sequences, CR, BS, BiDi controls) in what a
// user or a log reads:
//
//   - control characters (C0 and DEL) become \xNN, other characters that
//     are not printable (C1 controls, format characters such as U+202E,
//     separators other than the ASCII space) become \uNNNN, and bytes that
//     are not UTF-8 become \xNN;
//   - escapeName also writes "\" as "\\", so that the escaped form is
//     unambiguous and unescapeName turns it back into the name (what
//     "streams" prints, "cat" accepts). escapeText leaves "\" alone:
//     registry keys and paths stay readable, and the text is for reading
//     only.
//
// "cfb ls" uses the same rules on raw UTF-16 names (escapeUTF16Name), adding
// \uNNNN for unpaired surrogates and \x2f for "/" inside a name.

// escapeName returns name with backslashes and unprintable characters
// escaped (see above); unescapeName reverses it.
func escapeName(name string) string { return escape(name, true) }

// escapeText returns s with unprintable characters escaped (see above),
// backslashes left as they are.
func escapeText(s string) string { return escape(s, false) }

func escape(s string, backslash bool) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '\\' && backslash {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := appendEscape(make([]byte, 0, len(s)+8), s, backslash)
	return unsafe.String(unsafe.SliceData(b), len(b)) // b is not changed again
}

// appendEscape appends s escaped as escape returns it.
func appendEscape(b []byte, s string, backslash bool) []byte {
	for i := 0; i < len(s); {
		// A run of printable ASCII is written as it is, at once.
		j := i
		for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f && (s[j] != '\\' || !backslash) {
			j++
		}
		if j > i {
			b = append(b, s[i:j]...)
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = appendHex2(append(b, `\x`...), s[i])
			i++
			continue
		}
		b = appendEscapedRune(b, r, backslash)
		i += size
	}
	return b
}

// writeEscapedRune writes r, escaped if it is a backslash (when backslash
// is set) or not printable.
func writeEscapedRune(b *strings.Builder, r rune, backslash bool) {
	var buf [16]byte
	b.Write(appendEscapedRune(buf[:0], r, backslash))
}

// appendEscapedRune appends r as writeEscapedRune writes it.
func appendEscapedRune(b []byte, r rune, backslash bool) []byte {
	switch {
	case r == '\\' && backslash:
		return append(b, `\\`...)
	case r == ' ' || unicode.IsPrint(r):
		return utf8.AppendRune(b, r)
	case r < 0x80:
		return appendHex2(append(b, `\x`...), byte(r))
	case r <= 0xFFFF:
		return appendHex2(appendHex2(append(b, `\u`...), byte(r>>8)), byte(r))
	default:
		h := strconv.FormatUint(uint64(r), 16)
		return append(append(append(b, `\U`...), strings.Repeat("0", 8-len(h))...), h...)
	}
}

// appendHex2 appends c as two lower-case hexadecimal digits.
func appendHex2(b []byte, c byte) []byte {
	const digits = "0123456789abcdef"
	return append(b, digits[c>>4], digits[c&15])
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

func hex4(u uint16) string { return hex2(byte(u>>8)) + hex2(byte(u)) }

// escapeUTF16Name escapes a raw UTF-16 directory entry name for "cfb ls":
// escapeName's rules, plus \uNNNN for an unpaired surrogate and \x2f for
// a "/" inside the name (which "cfb ls" uses between path elements).
func escapeUTF16Name(raw []uint16) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		u := raw[i]
		r := rune(u)
		if utf16.IsSurrogate(r) {
			if i+1 < len(raw) && u < 0xDC00 && raw[i+1] >= 0xDC00 && raw[i+1] <= 0xDFFF {
				writeEscapedRune(&b, utf16.DecodeRune(r, rune(raw[i+1])), true)
				i++
				continue
			}
			b.WriteString(`\u`)
			b.WriteString(hex4(u))
			continue
		}
		if r == '/' {
			b.WriteString(`\x2f`)
			continue
		}
		writeEscapedRune(&b, r, true)
	}
	return b.String()
}

// unescapeName undoes escapeName: \\, \xNN (a byte), \uNNNN and \UNNNNNNNN
// (a character). ok is false for any other backslash sequence.
func unescapeName(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		digits := 0
		switch s[i+1] {
		case '\\':
			b.WriteByte('\\')
			i++
			continue
		case 'x':
			digits = 2
		case 'u':
			digits = 4
		case 'U':
			digits = 8
		default:
			return "", false
		}
		if i+2+digits > len(s) {
			return "", false
		}
		n, err := strconv.ParseUint(s[i+2:i+2+digits], 16, 32)
		if err != nil {
			return "", false
		}
		if digits == 2 {
			b.WriteByte(byte(n))
		} else {
			b.WriteRune(rune(n))
		}
		i += 1 + digits
	}
	return b.String(), true
}

// textWriter escapes what is written to w with escapeText, except line
// feeds and tabs, which structure the text. Every Write must hold whole
// characters (the callers write whole lines or fields).
type textWriter struct{ w io.Writer }

func (t textWriter) Write(p []byte) (int, error) {
	// Most lines need no escape: written as they are, not copied into a
	// string and a builder first (two copies of each of the millions of
	// lines of an audit of 120,000 components).
	if cleanText(p) {
		if _, err := t.w.Write(p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	// Escaped into one buffer, read from p in place (p is not kept):
	// not a string of p, a builder and a string per field (65,000 lines
	// of removed Class rows each quoting a clipped cell, whose "…" needs
	// escaping, allocated 65 MB in msikit rewrite).
	s := unsafe.String(unsafe.SliceData(p), len(p))
	b := make([]byte, 0, len(p)+16)
	for len(s) > 0 {
		i := strings.IndexAny(s, "\n\t")
		if i < 0 {
			b = appendEscape(b, s, false)
			break
		}
		b = append(appendEscape(b, s[:i], false), s[i])
		s = s[i+1:]
	}
	if _, err := t.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// cleanText reports whether textWriter writes p as it is: its bytes are
// printable ASCII, newlines, tabs and printable characters (valid UTF-8:
// appendEscape writes them back as they are). A line holding a clipped
// cell ("…") was escaped into a copy of its own, rune by rune: 0.8 of
// the 2.2 s of CPU of msikit rewrite --dry-run on 650,000 such lines.
func cleanText(p []byte) bool {
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && size == 1 || !unicode.IsPrint(r) {
			return false
		}
		i += size
	}
	return true
}
