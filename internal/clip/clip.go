package clip

import (
	"fmt"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// Max is the longest value String quotes whole: far above the standard
// columns' widths (255 characters) and the lists a message composes from
// a few of them, so only hostile values are cut (msi/validate cuts a key
// value in a finding at the same length).
const Max = 1024

// Keep is how many bytes of a value longer than Max String keeps. A
// message quoting a value is kept for each row that names it: a pooled
// 64 KiB string referenced by 100,000 rows costs them a few hundred
// bytes each, as their keys do, not a kilobyte each.
const Keep = 120

// String returns s when it is at most Max bytes long, else its first
// Keep bytes (cut at a character boundary) followed by "…(N bytes)".
func String(s string) string { return Cut(s, Max, Keep) }

// Cut returns s when it is at most max bytes long, else its first keep
// bytes (cut at a character boundary) followed by "…(N bytes)": String
// with other bounds, for a list that quotes many values.
func Cut(s string, max, keep int) string {
	if len(s) <= max {
		return s
	}
	return Prefix(s, keep) + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// AppendString appends String(s) to b and returns the extended slice,
// without making the clipped string: a report writing a cell that
// thousands of rows share clips it once a row.
func AppendString(b []byte, s string) []byte {
	if len(s) <= Max {
		return append(b, s...)
	}
	b = append(b, Prefix(s, Keep)...)
	b = append(b, "…("...)
	b = strconv.AppendInt(b, int64(len(s)), 10)
	return append(b, " bytes)"...)
}

// Prefix returns s when it is at most n bytes long, else its longest
// prefix of at most n bytes that ends at a character boundary.
func Prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Strings returns ss when none is longer than Max, else a copy with each
// such string clipped by String (a row key quoted by a report).
func Strings(ss []string) []string {
	for i, s := range ss {
		if len(s) > Max {
			out := append([]string(nil), ss...)
			for j := i; j < len(out); j++ {
				out[j] = String(out[j])
			}
			return out
		}
	}
	return ss
}

// Args returns args with each string longer than Max clipped by String,
// for a fmt call quoting values from a package. args is not modified.
func Args(args []any) []any {
	return argsWith(args, String)
}

// argsWith returns args, or a copy with each string longer than Max
// replaced by clip of it.
func argsWith(args []any, clip func(string) string) []any {
	var out []any
	for i, a := range args {
		s, ok := a.(string)
		if !ok || len(s) <= Max {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = clip(s)
	}
	if out == nil {
		return args
	}
	return out
}

// Sprintf is fmt.Sprintf with each long string argument clipped (Args):
// for messages and notes that quote cells of a package, where a pooled
// 64 KiB string named by thousands of rows would otherwise be copied
// into each row's message.
func Sprintf(format string, args ...any) string {
	return fmt.Sprintf(format, Args(args)...)
}

// A Memo clips strings as String does, each long string once: a report
// quoting one pooled 512 KiB text in 120,000 rows made 120,000 clipped
// copies of it, each escaped again by the JSON writer, which remembers
// only strings it has seen at the same address. A long string is known
// by where its bytes are and its length, so the strings given are
// expected to be views of texts held elsewhere (a report's cells). The
// zero Memo is ready to use. A string it remembers is kept alive by it:
// it remembers at most memoMax strings of at most memoBytes in all
// (then starts again), so that long strings made for one use (a list
// joined for one message) are not held by the thousand.
type Memo struct {
	clipped map[memoKey]string
	held    int      // bytes of the strings clipped keeps alive
	buf     []string // what Strings returns, reused after Reset
	args    []any    // Sprintf's arguments, clipped
}

// memoKey is a long string's address and length; the key keeps the
// string alive while the memo holds it.
type memoKey struct {
	p *byte
	n int
}

// memoMax is how many clipped strings a Memo holds, and memoBytes how
// many bytes of long strings it keeps alive.
const (
	memoMax   = 4096
	memoBytes = 16 << 20
)

// String returns String(s), the same string each time for the same s.
func (m *Memo) String(s string) string {
	if len(s) <= Max {
		return s
	}
	k := memoKey{unsafe.StringData(s), len(s)}
	if c, ok := m.clipped[k]; ok {
		return c
	}
	if m.clipped == nil || len(m.clipped) >= memoMax || m.held+len(s) > memoBytes {
		m.clipped, m.held = make(map[memoKey]string), 0
	}
	c := String(s)
	m.clipped[k] = c
	m.held += len(s)
	return c
}

// Strings returns ss when none is longer than Max, else a copy of ss
// with each such string clipped by m.String. The copy is valid until
// the next call of Reset.
func (m *Memo) Strings(ss []string) []string {
	for i, s := range ss {
		if len(s) > Max {
			at := len(m.buf)
			m.buf = append(m.buf, ss...)
			out := m.buf[at:len(m.buf):len(m.buf)]
			for j := i; j < len(out); j++ {
				out[j] = m.String(out[j])
			}
			return out
		}
	}
	return ss
}

// Reset lets later calls of Strings reuse the storage of the copies
// returned so far.
func (m *Memo) Reset() {
	clear(m.buf) // holds no string past its use
	m.buf = m.buf[:0]
}

// Args is the package's Args with each long string clipped by m.String.
func (m *Memo) Args(args []any) []any {
	return argsWith(args, m.String)
}

// Sprintf is the package's Sprintf with each long string argument
// clipped by m.String (in arguments copied to storage the memo reuses).
func (m *Memo) Sprintf(format string, args ...any) string {
	for i, a := range args {
		if s, ok := a.(string); ok && len(s) > Max {
			m.args = append(m.args[:0], args...)
			for j := i; j < len(m.args); j++ {
				if s, ok := m.args[j].(string); ok {
					m.args[j] = m.String(s)
				}
			}
			out := fmt.Sprintf(format, m.args...)
			clear(m.args) // holds no argument past its use
			return out
		}
	}
	return fmt.Sprintf(format, args...)
}
