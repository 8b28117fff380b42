package classreg

import (
	"crypto/sha256"
	"io"
	"strconv"
	"strings"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/darwin"
)

// Helpers of the registry rows the pass writes.

// longName returns the long half of a "short|long" Filename cell.
func longName(s string) string {
	_, long := msi.SplitFileName(s)
	return long
}

// fmtLiteral escapes text so that the Formatted columns of the Registry
// table (Key, Name, Value) reproduce it literally: '[' and ']' become
// "[\[]" and "[\]]", and when the text has brackets the braces are escaped
// too, so no "{…}" group can form around an escape.
func fmtLiteral(s string) string {
	if !strings.ContainsAny(s, "[]") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '[', ']', '{', '}':
			b.WriteString(`[\`)
			b.WriteRune(r)
			b.WriteByte(']')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// regValue protects a Registry Value that must be a string: a leading '#'
// would make it a number or binary, so it is doubled ("##" is a literal '#').
func regValue(s string) string {
	if strings.HasPrefix(s, "#") {
		return "#" + s
	}
	return s
}

// registryID returns the deterministic primary key of a generated Registry
// row: "reg" and 32 hex digits of SHA-256 over root, key, name and
// component (case-folded like the registry), so the same registration gets
// the same identifier on every run.
//
// The text hashed is built in a buffer on the stack when it is short, and
// the identifier written in one allocation: a rewrite adding 130,000 rows
// made five allocations (the hash, each small write, the hex, the upper
// case, the prefix) per row.
func registryID(root int16, key, name, component string) string {
	var d [sha256.Size]byte
	if len(key)+len(name)+len(component) <= chunk {
		var buf [chunk + 16]byte
		b := strconv.AppendInt(buf[:0], int64(root), 10)
		b = append(appendLower(append(b, 0), key), 0)
		b = append(appendLower(b, name), 0)
		d = sha256.Sum256(append(b, component...))
	} else {
		h := sha256.New()
		h.Write([]byte(strconv.Itoa(int(root))))
		h.Write([]byte{0})
		writeLower(h, key)
		h.Write([]byte{0})
		writeLower(h, name)
		h.Write([]byte{0})
		writeString(h, component)
		h.Sum(d[:0])
	}
	const digits = "0123456789ABCDEF"
	id := [3 + 32]byte{'r', 'e', 'g'}
	for i, c := range d[:16] {
		id[3+2*i], id[4+2*i] = digits[c>>4], digits[c&15]
	}
	return string(id[:])
}

// appendLower appends strings.ToLower(s) to b, without a copy of an
// ASCII text.
func appendLower(b []byte, s string) []byte {
	if !isASCII(s) {
		return append(b, strings.ToLower(s)...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// writeLower writes strings.ToLower(s) to w: an ASCII text is folded a
// chunk at a time, not copied whole (a generated key holding a long
// pooled text, say a 60 KB Context, once per row that names it); other
// texts through strings.ToLower.
func writeLower(w io.Writer, s string) {
	if len(s) <= chunk || !isASCII(s) {
		writeString(w, strings.ToLower(s))
		return
	}
	var buf [chunk]byte
	for s != "" {
		b := append(buf[:0], s[:min(len(s), len(buf))]...)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		w.Write(b)
		s = s[len(b):]
	}
}

// chunk is the size of the buffer writeLower and writeString write a
// long text through (allocated: w is an interface); a shorter text is
// written as a []byte of its own size.
const chunk = 512

// writeString writes s to w a chunk at a time, without converting it
// whole to a []byte.
func writeString(w io.Writer, s string) {
	if len(s) <= chunk {
		w.Write([]byte(s)) // as small as the text: the buffer escapes
		return
	}
	var buf [chunk]byte
	for s != "" {
		b := append(buf[:0], s[:min(len(s), len(buf))]...)
		w.Write(b)
		s = s[len(b):]
	}
}

// foldedDigest returns the SHA-256 of strings.ToLower(s), without making
// the lower-case copy of an ASCII text.
func foldedDigest(s string) [sha256.Size]byte {
	h := sha256.New()
	writeLower(h, s)
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return d
}

// isDarwinValue reports whether a registry value's data (a REG_MULTI_SZ's
// strings joined by '|', or a plain string) consists of darwin
// descriptors, each optionally followed by arguments.
func isDarwinValue(data string) bool {
	if data == "" {
		return false
	}
	for _, part := range strings.Split(data, "|") {
		if _, _, err := darwin.Decode(part); err != nil {
			return false
		}
	}
	return true
}
