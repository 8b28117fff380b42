package textmemo

import (
	"iter"
	"slices"
	"sort"
	"strings"
)

// An Index maps texts to values, as a map[string]V does, except that a
// long key (Min bytes or more) is hashed once per distinct text, not once
// per lookup. Go hashes every byte of a string key at each map access, so
// rows looked up by a cell naming a 900 KB pooled string, thousands of
// times over, would hash gigabytes; an Index recognizes the text by its
// bytes' identity (Key) and looks up a small id instead. Keys equal in
// content but held in different bytes are the same key, as in a map.
//
// The zero value is an empty Index ready to use. An Index is not safe for
// concurrent use, and keeps the long texts it has seen alive.
type Index[V any] struct {
	short map[string]V
	long  map[int32]V      // values of long keys, by text id
	ids   map[Key]int32    // long texts seen, by identity -> text id
	byTxt map[string]int32 // long texts seen, by content -> text id
	texts []string         // text id -> the text
}

// id returns the id of long text s, giving it one when its content is
// new: its content is hashed the first time these bytes are seen.
func (x *Index[V]) id(s string) int32 {
	k := KeyAt(s)
	if id, ok := x.ids[k]; ok {
		return id
	}
	if x.ids == nil {
		x.ids, x.byTxt, x.long = map[Key]int32{}, map[string]int32{}, map[int32]V{}
	}
	id, ok := x.byTxt[s]
	if !ok {
		id = int32(len(x.texts))
		x.texts = append(x.texts, s)
		x.byTxt[s] = id
	}
	x.ids[k] = id
	return id
}

// Reserve makes room for n short keys ahead of Set, as make(map, n)
// does, so that an index filled with the names of a table's rows is not
// grown and rehashed step by step along the way. n should be the number
// of rows read (a count of what is there, never one the input claims).
// It does nothing once a short key is set.
func (x *Index[V]) Reserve(n int) {
	if x.short == nil && n > 0 {
		x.short = make(map[string]V, n)
	}
}

// Lookup returns the value of key k and whether it is in the index.
func (x *Index[V]) Lookup(k string) (V, bool) {
	if len(k) < Min {
		v, ok := x.short[k]
		return v, ok
	}
	id := x.id(k)
	v, ok := x.long[id]
	return v, ok
}

// Get returns the value of key k, or the zero value.
func (x *Index[V]) Get(k string) V {
	v, _ := x.Lookup(k)
	return v
}

// Has reports whether key k is in the index.
func (x *Index[V]) Has(k string) bool {
	_, ok := x.Lookup(k)
	return ok
}

// Set sets the value of key k.
func (x *Index[V]) Set(k string, v V) {
	if len(k) < Min {
		if x.short == nil {
			x.short = map[string]V{}
		}
		x.short[k] = v
		return
	}
	id := x.id(k) // before x.long is read: id makes it
	x.long[id] = v
}

// Delete removes key k.
func (x *Index[V]) Delete(k string) {
	if len(k) < Min {
		delete(x.short, k)
		return
	}
	if x.long != nil {
		id := x.id(k)
		delete(x.long, id)
	}
}

// Len returns the number of keys.
func (x *Index[V]) Len() int { return len(x.short) + len(x.long) }

// All yields the keys and their values, in no fixed order.
func (x *Index[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		for k, v := range x.short {
			if !yield(k, v) {
				return
			}
		}
		for id, v := range x.long {
			if !yield(x.texts[id], v) {
				return
			}
		}
	}
}

// IDs numbers distinct texts from 0 in the order they are first seen, as
// a map[string]int32 would, hashing a long text once per distinct text
// (an Index): a map keyed by a struct or a row name holding texts can be
// keyed by their numbers instead. The text last asked about is
// remembered: the rows of a table name one text in runs (a thousand
// FeatureComponents rows of one feature, then the next), held in the
// same bytes of the string pool, which are recognized by their identity
// (KeyAt) without hashing them again. The zero value is ready to use.
type IDs struct {
	idx Index[int32]
	// The text last asked about (held, so that its bytes are not
	// reused for another text while it is remembered) and its number,
	// -1 for none.
	last   string
	lastID int32
	cached bool
}

// ID returns the number of text s, giving it the next one when s is new.
func (t *IDs) ID(s string) int32 {
	if id, ok := t.Lookup(s); ok {
		return id
	}
	id := int32(t.idx.Len())
	t.idx.Set(s, id)
	t.lastID = id // Lookup remembered s
	return id
}

// Lookup returns the number of text s and whether it has one, giving it
// none.
func (t *IDs) Lookup(s string) (int32, bool) {
	if t.cached && KeyAt(s) == KeyAt(t.last) {
		return t.lastID, t.lastID >= 0
	}
	id, ok := t.idx.Lookup(s)
	if !ok {
		id = -1
	}
	t.last, t.lastID, t.cached = s, id, true
	return id, ok
}

// Len returns how many texts have a number.
func (t *IDs) Len() int { return t.idx.Len() }

// Ranks returns, for each of texts, the rank of its content among the
// distinct texts (0 for the least), equal texts having equal ranks:
// sorting by the ranks sorts by the texts. A long text is hashed once per
// distinct bytes and compared once per step of sorting the distinct
// texts, not once per step of sorting them all: a crafted package's rows
// can all name one pooled text of megabytes, which a sort comparing it
// with itself at each step takes seconds over.
func Ranks(texts []string) []int32 {
	var ids IDs
	var distinct []string // by id
	id := make([]int32, len(texts))
	for i, s := range texts {
		id[i] = ids.ID(s)
		if int(id[i]) == len(distinct) {
			distinct = append(distinct, s)
		}
	}
	order := make([]int32, len(distinct))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(distinct[a], distinct[b]) })
	rank := make([]int32, len(distinct))
	for r, d := range order {
		rank[d] = int32(r)
	}
	for i := range id {
		id[i] = rank[id[i]]
	}
	return id
}

// SortStable sorts items stably by the texts each gives, compared in
// order (by the first, then by the second where the firsts are equal...),
// through the texts' ranks (Ranks): a long text shared by every item is
// hashed once, not compared with itself at each step of the sort.
func SortStable[T any](items []T, texts ...func(T) string) {
	ranks := make([][]int32, len(texts))
	for k, text := range texts {
		t := make([]string, len(items))
		for i, x := range items {
			t[i] = text(x)
		}
		ranks[k] = Ranks(t)
	}
	perm := make([]int, len(items))
	for i := range perm {
		perm[i] = i
	}
	sort.SliceStable(perm, func(i, j int) bool {
		a, b := perm[i], perm[j]
		for _, r := range ranks {
			if r[a] != r[b] {
				return r[a] < r[b]
			}
		}
		return false
	})
	sorted := make([]T, len(items))
	for i, p := range perm {
		sorted[i] = items[p]
	}
	copy(items, sorted)
}
