package edit

import (
	"iter"
	"slices"

	"github.com/msikit/msikit/internal/bucket"
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
	// is hashed once, not at each Add and question, and a run of rows
	// naming one feature is recognized without hashing it again
	// (textmemo.IDs).
	leftID, rightID textmemo.IDs
	left, right     []string
	pairs           []uint64 // left id << 32 | right id; sorted and unique once indexed
	leftStart       []int32  // pairs[leftStart[l]:leftStart[l+1]] are left l's
	rightStart      []int32  // byRight[rightStart[r]:rightStart[r+1]] are right r's lefts
	byRight         []int32
	indexed         bool
}

// NewPairs returns an empty relation with room for n pairs.
func NewPairs(n int) *Pairs {
	return &Pairs{pairs: make([]uint64, 0, n)}
}

// intern returns the id of name s on one side, giving it the next one
// (and adding it to names) when it has none.
func intern(ids *textmemo.IDs, names *[]string, s string) int32 {
	id := ids.ID(s)
	if int(id) == len(*names) {
		*names = append(*names, s)
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
	li, ri := intern(&p.leftID, &p.left, l), intern(&p.rightID, &p.right, r)
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
	p.leftStart = bucket.Starts(p.pairs, len(p.left), leftOf)
	p.rightStart = bucket.Starts(p.pairs, len(p.right), rightOf)
	if cap(p.byRight) < len(p.pairs) {
		p.byRight = make([]int32, 0, cap(p.pairs)) // room for the pairs a pass appends
	}
	p.byRight = bucket.Place(p.byRight, p.pairs, p.rightStart, rightOf, leftOf)
}

// leftOf and rightOf are a pair's left and right ids.
func leftOf(x uint64) int32  { return int32(x >> 32) }
func rightOf(x uint64) int32 { return int32(uint32(x)) }

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
	start := bucket.Starts(p.pairs, len(p.left), leftOf)
	sorted := bucket.Place(nil, p.pairs, start, leftOf, func(x uint64) uint64 { return x })
	for l := range p.left {
		slices.Sort(sorted[start[l]:start[l+1]])
	}
	p.pairs = sorted
}

// Has reports whether the pair (l, r) was added.
func (p *Pairs) Has(l, r string) bool {
	li, ok := p.leftID.Lookup(l)
	if !ok {
		return false
	}
	ri, ok := p.rightID.Lookup(r)
	if !ok {
		return false
	}
	p.index()
	_, found := slices.BinarySearch(p.pairs, uint64(li)<<32|uint64(uint32(ri)))
	return found
}

// NumRights returns how many distinct names l is paired with.
func (p *Pairs) NumRights(l string) int {
	li, ok := p.leftID.Lookup(l)
	if !ok {
		return 0
	}
	p.index()
	return int(p.leftStart[li+1] - p.leftStart[li])
}

// NumLefts returns how many distinct names r is paired with.
func (p *Pairs) NumLefts(r string) int {
	ri, ok := p.rightID.Lookup(r)
	if !ok {
		return 0
	}
	p.index()
	return int(p.rightStart[ri+1] - p.rightStart[ri])
}

// Lefts returns the distinct names r is paired with, in the order they
// were first added (a new slice).
func (p *Pairs) Lefts(r string) []string {
	ri, ok := p.rightID.Lookup(r)
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
	li, ok := p.leftID.Lookup(l)
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

// RightNames yields the distinct right names, each once, in the order
// they were first added: the components of a FeatureComponents table
// without a walk of its rows.
func (p *Pairs) RightNames() iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, r := range p.right {
			if !yield(r) {
				return
			}
		}
	}
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
