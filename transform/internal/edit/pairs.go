package edit

import (
	"iter"
	"slices"

	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
)

// Pairs is a relation between two sets of names, the features and
// components of a FeatureComponents table: each name is held once (a
// string the caller already has, not a copy) and each pair as one uint64 of
// two ids, so that a table pairing every one of 1,000 features with every
// one of 1,000 components costs 8 bytes a row, not strings and map entries.
// Names are numbered through textmemo.Index: a long name repeated in
// every row (a package's duplicate FeatureComponents rows naming one
// 600 KiB text) is hashed once per distinct text, not once per row.
// Add the pairs, then ask; the first question sorts them. A Pairs is not
// safe for concurrent use.
type Pairs struct {
	// The names' ids: a long name (a pooled text in thousands of rows)
	// is hashed once, not at each Add and question (textmemo.Index).
	leftID, rightID textmemo.Index[int32]
	// The last name added or asked about on each side: a table's rows
	// name one feature in runs (a thousand rows of one feature, then
	// the next), held in the same bytes of the string pool, which are
	// recognized without hashing them again.
	lastLeft, lastRight lastName
	left, right         []string
	pairs               []uint64 // left id << 32 | right id; sorted and unique once indexed
	leftStart           []int32  // pairs[leftStart[l]:leftStart[l+1]] are left l's
	rightStart          []int32  // byRight[rightStart[r]:rightStart[r+1]] are right r's lefts
	byRight             []int32
	indexed             bool
}

// NewPairs returns an empty relation with room for n pairs.
func NewPairs(n int) *Pairs {
	return &Pairs{pairs: make([]uint64, 0, n)}
}

// lastName is the id of the name last looked up on one side of a Pairs,
// and the name itself (held, so its bytes are not reused for another
// text while it is remembered).
type lastName struct {
	name string
	id   int32 // -1: not a name of that side
	set  bool
}

// lookup returns the id of name s on one side and whether it has one:
// at once when s is held in the same bytes as the name last looked up
// (textmemo.KeyAt: never comparing the bytes of a long text), else from
// ids.
func (last *lastName) lookup(ids *textmemo.Index[int32], s string) (int32, bool) {
	if last.set && textmemo.KeyAt(s) == textmemo.KeyAt(last.name) {
		return last.id, last.id >= 0
	}
	id, ok := ids.Lookup(s)
	if !ok {
		id = -1
	}
	*last = lastName{name: s, id: id, set: true}
	return id, ok
}

func intern(last *lastName, ids *textmemo.Index[int32], names *[]string, s string) int32 {
	id, ok := last.lookup(ids, s)
	if !ok {
		id = int32(len(*names))
		ids.Set(s, id)
		*names = append(*names, s)
		*last = lastName{name: s, id: id, set: true}
	}
	return id
}

// ReadPairs returns the pairs of the left and right columns of t's rows
// (a column t does not have reads as "", as Row.Get's null does), or
// stop's error once stop says to stop. The columns are found once, not
// by name in each row: FeatureComponents can hold a million rows.
func ReadPairs(t *msi.Table, left, right string, stop *Stop) (*Pairs, error) {
	// Room for the few rows a pass may add (edit.Shared) beyond the
	// table's.
	p := NewPairs(t.Len() + maxInserted)
	li, ri := ColumnIndex(t, left), ColumnIndex(t, right)
	for row := range t.Rows() {
		if stop.Tick() {
			return nil, stop.Err()
		}
		p.Add(StrAt(row, li), StrAt(row, ri))
	}
	return p, nil
}

// ColumnIndex returns the index of t's column name, as Row.At takes it
// (msi.Table.Column's Number - 1), or -1 when it has none: a loop over a
// table's rows finds its columns once, not by name in each row.
func ColumnIndex(t *msi.Table, name string) int {
	if c, ok := t.Column(name); ok {
		return c.Number - 1
	}
	return -1
}

// StrAt returns the string of row's column i (ColumnIndex's), "" for -1
// (as Row.Get(name).Str() of a column the table does not have).
func StrAt(row msi.Row, i int) string {
	if i < 0 {
		return ""
	}
	return row.At(i).Str()
}

// Add records the pair (l, r); a pair added twice is held once.
func (p *Pairs) Add(l, r string) {
	li, ri := intern(&p.lastLeft, &p.leftID, &p.left, l), intern(&p.lastRight, &p.rightID, &p.right, r)
	p.pairs = append(p.pairs, uint64(li)<<32|uint64(uint32(ri)))
	p.indexed = false
}

func (p *Pairs) index() {
	if p.indexed {
		return
	}
	p.indexed = true
	p.sortPairs()
	// Compacted in place, its room kept: a later Add (a row a pass
	// appends, edit.Shared) grows into it, not into a copy.
	p.pairs = slices.Compact(p.pairs)
	p.leftStart = make([]int32, len(p.left)+1)
	p.rightStart = make([]int32, len(p.right)+1)
	for _, x := range p.pairs {
		p.leftStart[x>>32+1]++
		p.rightStart[uint32(x)+1]++
	}
	for i := 1; i < len(p.leftStart); i++ {
		p.leftStart[i] += p.leftStart[i-1]
	}
	for i := 1; i < len(p.rightStart); i++ {
		p.rightStart[i] += p.rightStart[i-1]
	}
	if cap(p.byRight) >= len(p.pairs) {
		p.byRight = p.byRight[:len(p.pairs)] // indexed again: its room reused
	} else {
		p.byRight = make([]int32, len(p.pairs), cap(p.pairs))
	}
	next := slices.Clone(p.rightStart[:len(p.right)])
	for _, x := range p.pairs {
		r := uint32(x)
		p.byRight[next[r]] = int32(x >> 32)
		next[r]++
	}
}

// maxInserted is the most pairs out of order at the end of the others
// that sortPairs moves into place one at a time.
const maxInserted = 64

// sortPairs sorts the pairs. The left ids are dense (0 to len(left)-1):
// the pairs are first spread by left id, counted (a pass of the pairs,
// not the n log n comparisons of sorting them whole), then each left's
// run is sorted by right id, which the rows of a table usually list in
// the order they first named them (sorted already, which the sort sees
// in one pass). Pairs already in order are left as they are.
func (p *Pairs) sortPairs() {
	i := 1 // pairs[:i] are in order
	for i < len(p.pairs) && p.pairs[i-1] <= p.pairs[i] {
		i++
	}
	if i == len(p.pairs) {
		return
	}
	if len(p.pairs)-i <= maxInserted {
		// In order but for a few pairs added last (a pass's rows,
		// appended to pairs indexed already): each is put in its
		// place, the pairs after it moved up, in place.
		for j := i; j < len(p.pairs); j++ {
			x := p.pairs[j]
			at, _ := slices.BinarySearch(p.pairs[:j], x)
			copy(p.pairs[at+1:j+1], p.pairs[at:j])
			p.pairs[at] = x
		}
		return
	}
	start := make([]int32, len(p.left)+1)
	for _, x := range p.pairs {
		start[x>>32+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	sorted := make([]uint64, len(p.pairs))
	next := slices.Clone(start[:len(p.left)])
	for _, x := range p.pairs {
		l := x >> 32
		sorted[next[l]] = x
		next[l]++
	}
	for l := range p.left {
		slices.Sort(sorted[start[l]:start[l+1]])
	}
	p.pairs = sorted
}

// Has reports whether the pair (l, r) was added.
func (p *Pairs) Has(l, r string) bool {
	li, ok := p.lastLeft.lookup(&p.leftID, l)
	if !ok {
		return false
	}
	ri, ok := p.lastRight.lookup(&p.rightID, r)
	if !ok {
		return false
	}
	p.index()
	_, found := slices.BinarySearch(p.pairs, uint64(li)<<32|uint64(uint32(ri)))
	return found
}

// NumRights returns how many distinct names l is paired with.
func (p *Pairs) NumRights(l string) int {
	li, ok := p.lastLeft.lookup(&p.leftID, l)
	if !ok {
		return 0
	}
	p.index()
	return int(p.leftStart[li+1] - p.leftStart[li])
}

// NumLefts returns how many distinct names r is paired with.
func (p *Pairs) NumLefts(r string) int {
	ri, ok := p.lastRight.lookup(&p.rightID, r)
	if !ok {
		return 0
	}
	p.index()
	return int(p.rightStart[ri+1] - p.rightStart[ri])
}

// Lefts returns the distinct names r is paired with, in the order they
// were first added (a new slice).
func (p *Pairs) Lefts(r string) []string {
	ri, ok := p.lastRight.lookup(&p.rightID, r)
	if !ok {
		return nil
	}
	p.index()
	ids := p.byRight[p.rightStart[ri]:p.rightStart[ri+1]]
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = p.left[id]
	}
	return names
}

// Rights returns the distinct names l is paired with, in the order they
// were first added (a new slice).
func (p *Pairs) Rights(l string) []string {
	li, ok := p.lastLeft.lookup(&p.leftID, l)
	if !ok {
		return nil
	}
	p.index()
	ps := p.pairs[p.leftStart[li]:p.leftStart[li+1]]
	names := make([]string, len(ps))
	for i, x := range ps {
		names[i] = p.right[uint32(x)]
	}
	return names
}

// All yields the distinct pairs, ordered by left name then right name,
// each in the order it was first added.
func (p *Pairs) All() iter.Seq2[string, string] {
	return func(yield func(l, r string) bool) {
		p.index()
		for _, x := range p.pairs {
			if !yield(p.left[x>>32], p.right[uint32(x)]) {
				return
			}
		}
	}
}
