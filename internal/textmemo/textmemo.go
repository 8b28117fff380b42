package textmemo

import "unsafe"

// Min is the length from which a text's results are remembered. Shorter
// texts are computed afresh: that costs about as much as a lookup.
const Min = 256

// A Key names a text by its bytes' address and length. A memo holding
// the key keeps the bytes alive, so an equal key is the same text.
type Key struct {
	p *byte
	n int
}

// KeyOf returns the key of s, and false when s is shorter than Min (not
// worth remembering).
func KeyOf(s string) (Key, bool) {
	if len(s) < Min {
		return Key{}, false
	}
	return KeyAt(s), true
}

// KeyAt returns the key of s whatever its length, for a memo that
// decides for itself which texts are worth remembering.
func KeyAt(s string) Key { return Key{unsafe.StringData(s), len(s)} }

// A Memo remembers f(s) for each long text s. The zero value is ready.
type Memo[T any] struct {
	m map[Key]T
}

// Get returns f(s): computed afresh when s is shorter than Min, else once
// per text (the first f given for it).
func (m *Memo[T]) Get(s string, f func(string) T) T {
	k, ok := KeyOf(s)
	if !ok {
		return f(s)
	}
	if v, ok := m.m[k]; ok {
		return v
	}
	if m.m == nil {
		m.m = map[Key]T{}
	}
	v := f(s)
	m.m[k] = v
	return v
}
