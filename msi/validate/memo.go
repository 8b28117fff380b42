package validate

import (
	"strings"
	"unsafe"
)

// memoMin is the length from which a cell's checks are remembered. Shorter
// texts are checked afresh: their checks cost about as much as a lookup.
const memoMin = 256

// memoKey names one check of one long text by the identity of its bytes:
// a pooled string is the same bytes in every row that references it, so a
// package repeating one 64 KiB string in a million rows has its category,
// length and foreign key checked once, not a million times (hashing or
// scanning the text per row would make the work grow with how often it
// repeats). Holding the pointer keeps the bytes alive, so an equal key is
// the same text.
type memoKey struct {
	p  *byte
	n  int
	op any // what was checked: a category name, a *valSpec (foreign key)
}

// textMemo remembers the results of checks on long texts.
type textMemo map[memoKey]any

// key returns the memo key of check op on text, and false when text is too
// short to remember.
func (m textMemo) key(text string, op any) (memoKey, bool) {
	if len(text) < memoMin {
		return memoKey{}, false
	}
	return memoKey{unsafe.StringData(text), len(text), op}, true
}

// memoOf returns f() for check op on text, computed once per long text
// and op (T is error, int or bool).
func memoOf[T any](m textMemo, text string, op any, f func() T) T {
	k, ok := m.key(text, op)
	if !ok {
		return f()
	}
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
