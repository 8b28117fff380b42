package mst

import (
	"errors"
	"fmt"

	"github.com/msikit/msikit/msi"
)

// ErrLimit is wrapped by the errors of Decode, ApplyChanges, Diff and
// WriteText when their input asks for more work than its size allows.
// Change records name strings of the transform's pool by id, and rows of
// the database by key, so a few megabytes of records can name one long
// string or one long row a million times; the string bytes the records
// and the rows they touch reference (each time they do) may add up to at
// most 64 MiB plus 64 times the size of the files involved. Real
// transforms reference each string a few times: a transform of 100,000
// rows between two 30 MB packages stays far below it.
var ErrLimit = errors.New("mst: too much work for the size of the input")

// budget counts the string bytes an operation touches.
type budget struct {
	left, limit int64
	what        string // "the records", "the rows compared"
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

// rowBytes returns the bytes of the strings of a row (valuesBytes of its
// values).
func rowBytes(r msi.Row) int {
	n := r.Len()
	for i := 0; i < r.Len(); i++ {
		if v := r.At(i); v.Kind() == msi.KindString {
			n += len(v.Str())
		}
	}
	return n
}
