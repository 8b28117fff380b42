package classreg

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"strings"

	"github.com/msikit/msikit/internal/textmemo"
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
// the same identifier on every run. A field of longField bytes or more
// is hashed through its own digest (registryDigest).
func registryID(root int16, key, name, component string) string {
	d := registryDigest(root, key, name, component, nil)
	return idText(&d, 0, len(idPrefix)+2*len(d))
}

// idPrefix starts every identifier registryID makes.
const idPrefix = "reg"

// longField is the length from which registryDigest hashes a key, name
// or component through its own digest, not whole. No package of valid
// columns reaches it: the keys the pass makes hold at most two texts of
// 255 characters, and a component's name is 72. A hostile package can
// name one pooled component of hundreds of KB from every class, and the
// pass hashed it whole for each row it added (4,000 classes of a 256 KiB
// component: 2.1 s of SHA-256; at MaxChanges, 25 GB).
const longField = 1 << 10

// registryDigest returns the 16 bytes of SHA-256 registryID writes in
// hex: the plan keeps them, not the 35-byte identifier (idText makes it
// when the row is added).
//
// The text hashed is the root, the key and the name folded to lower
// case, and the component, joined by NUL bytes. When one of the three is
// longField bytes or more, it is instead "L", the root, a NUL, a letter
// for each of the three ('t' for the text itself, 'd' for the 64 hex
// digits of its SHA-256, folded for the key and name) and the three so
// given, joined by NUL bytes: no text of the first form starts with "L",
// and with a key, name and component holding no NUL (registryID keeps
// the digest of a row whose do) the fields are read back one way. The
// digests of long texts are remembered in long (when not nil) by the texts' bytes, so a
// pooled text named by every row is hashed once.
//
// The text hashed is built in a buffer on the stack when it is short: a
// rewrite adding 130,000 rows made five allocations (the hash, each
// small write, the hex, the upper case, the prefix) per row.
func registryDigest(root int16, key, name, component string, long *longDigests) [16]byte {
	var d [sha256.Size]byte
	switch {
	case len(key) >= longField || len(name) >= longField || len(component) >= longField:
		h := sha256.New()
		h.Write([]byte("L" + strconv.Itoa(int(root))))
		var flags [5]byte
		hexes := [3][2 * sha256.Size]byte{}
		for i, f := range [3]string{key, name, component} {
			flags[i+1] = 't'
			if len(f) >= longField {
				flags[i+1] = 'd'
				sum := long.digest(f, i < 2)
				hex.Encode(hexes[i][:], sum[:])
			}
		}
		h.Write(flags[:]) // NUL, the three letters, NUL
		for i, f := range [3]string{key, name, component} {
			switch {
			case flags[i+1] == 'd':
				h.Write(hexes[i][:])
			case i < 2:
				writeLower(h, f)
			default:
				writeString(h, f)
			}
			if i < 2 {
				h.Write([]byte{0})
			}
		}
		h.Sum(d[:0])
	case len(key)+len(name)+len(component) <= chunk:
		var buf [chunk + 16]byte
		b := strconv.AppendInt(buf[:0], int64(root), 10)
		b = append(appendLower(append(b, 0), key), 0)
		b = append(appendLower(b, name), 0)
		d = sha256.Sum256(append(b, component...))
	default:
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
	return [16]byte(d[:16])
}

// longDigests remembers the SHA-256 of long texts registryDigest hashes
// through their digests, by their bytes (textmemo): folded for keys and
// names, as they are for components. A nil *longDigests remembers
// nothing.
type longDigests struct {
	folded, raw textmemo.Memo[[sha256.Size]byte]
}

// digest returns the SHA-256 of s, folded to lower case when fold is
// true.
func (m *longDigests) digest(s string, fold bool) [sha256.Size]byte {
	f := foldedDigest
	if !fold {
		f = rawDigest
	}
	switch {
	case m == nil:
		return f(s)
	case fold:
		return m.folded.Get(s, f)
	default:
		return m.raw.Get(s, f)
	}
}

// idText returns the identifier of digest d cut to width bytes, with
// "_n" at its end when n > 0 (the n-th identifier tried when the shorter
// ones were taken; cut to make room for it), in one allocation.
func idText(d *[16]byte, n int32, width int) string {
	const digits = "0123456789ABCDEF"
	var buf [len(idPrefix) + 32 + 12]byte
	id := append(buf[:0], idPrefix...)
	for _, c := range d {
		id = append(id, digits[c>>4], digits[c&15])
	}
	if n == 0 {
		return string(id[:min(len(id), width)])
	}
	var sfx [12]byte
	suffix := strconv.AppendInt(append(sfx[:0], '_'), int64(n), 10)
	// A column narrower than the suffix (a crafted s1) keeps the suffix
	// alone: longer than the column, which the row's insert warns of,
	// but not a slice to -1 (a panic).
	return string(append(id[:max(0, min(len(id), width-len(suffix)))], suffix...))
}

// canonicalID returns the digest of an identifier registryID writes
// whole ("reg" and 32 upper-case hex digits), and false for any other
// text.
func canonicalID(id string) ([16]byte, bool) {
	var d [16]byte
	if len(id) != len(idPrefix)+32 || id[:len(idPrefix)] != idPrefix {
		return d, false
	}
	hex := id[len(idPrefix):]
	for i := range d {
		hi, lo := hexDigit(hex[2*i]), hexDigit(hex[2*i+1])
		if hi < 0 || lo < 0 {
			return d, false
		}
		d[i] = byte(hi<<4 | lo)
	}
	return d, true
}

// hexDigit returns the value of an upper-case hex digit, -1 for any
// other byte.
func hexDigit(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
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

// rawDigest returns the SHA-256 of s, as foldedDigest does without the
// folding.
func rawDigest(s string) [sha256.Size]byte {
	h := sha256.New()
	writeString(h, s)
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
