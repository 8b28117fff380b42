package edit

import (
	"iter"
	"slices"

	"github.com/msikit/msikit/internal/textmemo"
)

// Pairs is a relation between two sets of names, the features and
// components of a FeatureComponents table: each name is held once (a
// string the caller already has, not a copy) and each pair as one uint64 of
// two ids, so that a table pairing every one of 1,000 features with every
// one of 1,000 components costs 8 bytes a row, not strings and map entries.
// Names are numbered through textmemo.Index: a long name repeated in
// every row (a package's duplicate FeatureComponents rows naming one
// 600 KiB text) is hashed once per distinct text, not once per row.
// Add the pairs, then ask; the first question sorts them (a Pairs is not
// safe for concurrent use until then).
type Pairs struct {
	// The names' ids: a long name (a pooled text in thousands of rows)
	// is hashed once, not at each Add and question (textmemo.Index).
	leftID, rightID textmemo.Index[int32]
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

func intern(ids *textmemo.Index[int32], names *[]string, s string) int32 {
	id, ok := ids.Lookup(s)
	if !ok {
		id = int32(len(*names))
		ids.Set(s, id)
		*names = append(*names, s)
	}
	return id
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
	slices.Sort(p.pairs)
	p.pairs = slices.Clip(slices.Compact(p.pairs))
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
	p.byRight = make([]int32, len(p.pairs))
	next := slices.Clone(p.rightStart[:len(p.right)])
	for _, x := range p.pairs {
		r := uint32(x)
		p.byRight[next[r]] = int32(x >> 32)
		next[r]++
	}
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
