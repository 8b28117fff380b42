package validate

import (
	"strings"

	"github.com/msikit/msikit/internal/textmemo"
)

// memoKey names one check of one long text by the identity of its bytes
// (textmemo.Key): a package repeating one 64 KiB string in a million rows
// has its category, length and foreign key checked once, not a million
// times.
type memoKey struct {
	text textmemo.Key
	op   any // what was checked: a category name, a *valSpec (foreign key)
}

// textMemo remembers the results of checks on long texts.
type textMemo map[memoKey]any

// memoOf returns f() for check op on text, computed once per long text
// and op (T is error, int, bool or string).
func memoOf[T any](m textMemo, text string, op any, f func() T) T {
	tk, ok := textmemo.KeyOf(text)
	if !ok {
		return f()
	}
	k := memoKey{tk, op}
	if v, ok := m[k]; ok {
		r, _ := v.(T) // a nil error is stored as nil
		return r
	}
	r := f()
	m[k] = r
	return r
}

// upper returns strings.ToUpper(s), computed once per long text in m: a
// name or key shared by many rows is folded once.
func upper(m textMemo, s string) string {
	return memoOf(m, s, "upper", func() string { return strings.ToUpper(s) })
}

// hasBracket returns strings.Contains(s, "["), computed once per long text
// in m: a formatted value shared by many rows is scanned once.
func hasBracket(m textMemo, s string) bool {
	return memoOf(m, s, "bracket", func() bool { return strings.Contains(s, "[") })
}

// cutKey returns strings.Cut(s, `\`), the separator looked for once per
// long text in m: a Registry key shared by hundreds of thousands of
// rows is not scanned again for each.
func cutKey(m textMemo, s string) (before, after string, found bool) {
	i := memoOf(m, s, "cut key", func() int { return strings.IndexByte(s, '\\') })
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}
