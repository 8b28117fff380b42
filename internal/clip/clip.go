package clip

import (
	"fmt"
	"strconv"
	"unicode/utf8"
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
	var out []any
	for i, a := range args {
		s, ok := a.(string)
		if !ok || len(s) <= Max {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = String(s)
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
