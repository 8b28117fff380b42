package mst

import (
	"errors"
	"fmt"

	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
)

// ErrLimit is wrapped by the errors of Decode, ApplyChanges, Diff and
// WriteText when their input asks for more work than its size allows.
// Change records name strings of the transform's pool by id, and rows of
// the database by key, so a few megabytes of records can name one long
// string or one long row a million times; the string bytes an operation
// works through may add up to at most 64 MiB plus 64 times the size of
// the files involved. What is counted is the work done: a string whose
// bytes are read, hashed or copied for each cell that names it (a key
// looked up, a value applied or shown in full) counts each time; a long
// pooled string that is only compared or decoded (Diff's cells, Decode's
// records) counts once per distinct string, and each further cell naming
// it a few bytes, so that a database whose rows share long pooled
// strings gives a transform that Save reads back and Decode reads. Real
// transforms reference each string a few times: a transform of 100,000
// rows between two 30 MB packages stays far below it.
var ErrLimit = errors.New("mst: too much work for the size of the input")

// budget counts the string bytes an operation touches.
type budget struct {
	left, limit int64
	what        string   // "the records", "the rows compared"
	used        []uint64 // the pool ids firstUse has seen, a bit each
}

// firstUse reports whether string id of a pool of n ids is named for the
// first time, marking it.
func (b *budget) firstUse(id uint32, n int) bool {
	if b.used == nil {
		b.used = make([]uint64, (n+63)/64)
	}
	w, bit := id/64, uint64(1)<<(id%64)
	if int(w) >= len(b.used) {
		return true
	}
	if b.used[w]&bit != 0 {
		return false
	}
	b.used[w] |= bit
	return true
}

// maxColumnNameBytes bounds the names of the columns a transform's tables
// add, a name counted for each table that has it (as msi bounds a
// database's): 12,000 tables whose 32 columns share one pooled 64 KiB
// name would have 24 GB of names to key their shapes by and to list.
const maxColumnNameBytes = 16 << 20

func newBudget(what string, sizes ...int64) *budget {
	limit := int64(64 << 20)
	for _, s := range sizes {
		limit += 64 * s
	}
	return &budget{left: limit, limit: limit, what: what}
}

// spend takes n bytes from the budget; table names where the work went.
func (b *budget) spend(n int, table string) error {
	b.left -= int64(n)
	if b.left >= 0 {
		return nil
	}
	return fmt.Errorf("%w: table %s: %s reference more than %d bytes of strings (64 MiB plus 64 times the size of the files involved)", ErrLimit, table, b.what, b.limit)
}

// valuesBytes returns the bytes of the strings among vals.
func valuesBytes(vals []msi.Value) int {
	n := len(vals)
	for _, v := range vals {
		if v.Kind() == msi.KindString {
			n += len(v.Str())
		}
	}
	return n
}

// textClasses numbers the long strings (textmemo.Min bytes or more) Diff
// reads by their content, each distinct string (known by its bytes'
// identity: the cells naming one pooled string share its bytes) hashed
// once: two cells are equal when their numbers are, without comparing
// 64 KiB for each pair of rows sharing a string. With byBytes (the
// databases share a codepage) a non-ASCII text is numbered by its stored
// bytes, which Diff compares for such text.
type textClasses struct {
	byBytes bool
	ids     textmemo.IDs
	seen    map[textmemo.Key]int32 // long strings read, by identity: their number
	keyed   map[textmemo.Key]bool  // long strings looked up as keys (same codepage)
	// streams remembers, by name, whether the binary cells' streams
	// compared were equal: rows of one key (a table holding a row many
	// times over) name one stream, read once, not once per row.
	streams map[string]bool
}

// cost returns what reading string cell v costs: its length for a short
// string, or for a long one the first time its bytes are seen (twice its
// length: hashing it, and comparing it with an equal string seen
// before), else a constant. A key cell (key) is also looked up in the
// other database by its bytes: when both share a codepage, msi hashes a
// long string of the other database once, and compares it with a row's
// cell once (Table.LookupIndex remembers it by its id), so twice its
// length more the first time it is a key, a constant after; across
// codepages its text is converted and hashed on every lookup, which
// costs its length each time.
func (t *textClasses) cost(v msi.Value, key bool) int {
	s := v.Str()
	if v.Kind() != msi.KindString || len(s) < textmemo.Min {
		return len(s)
	}
	k := textmemo.KeyAt(s)
	lookup := 0
	if key {
		switch {
		case !t.byBytes:
			lookup = len(s)
		case !t.keyed[k]:
			if t.keyed == nil {
				t.keyed = map[textmemo.Key]bool{}
			}
			t.keyed[k] = true
			lookup = 2 * len(s)
		}
	}
	if _, ok := t.seen[k]; ok {
		return lookup + 8
	}
	if t.seen == nil {
		t.seen = map[textmemo.Key]int32{}
	}
	content := s
	if t.byBytes && !isASCII(s) {
		// Marked by a byte no ASCII text starts with: equal text
		// and bytes both, as sameValue compares short strings.
		if b := v.Bytes(); b != nil {
			content = "\x80" + string(b)
		}
	}
	t.seen[k] = t.ids.ID(content)
	return lookup + 2*len(s)
}

// class returns the number of long string v, which cost has seen, and
// false for a string cost has not numbered.
func (t *textClasses) class(v msi.Value) (int32, bool) {
	n, ok := t.seen[textmemo.KeyAt(v.Str())]
	return n, ok
}

// valuesCost returns what reading vals costs (cost for each string, and
// one byte a cell); keyMask marks the key cells.
func (t *textClasses) valuesCost(vals []msi.Value, keyMask uint32) int {
	n := len(vals)
	for i, v := range vals {
		if v.Kind() == msi.KindString {
			n += t.cost(v, i < 32 && keyMask&(1<<i) != 0)
		}
	}
	return n
}
