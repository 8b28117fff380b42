package msi

import "bytes"

// holdsExactly reports whether t's rows are exactly the nrows rows in
// cells (encoded by t.appendCells, in any order): the same number, each
// found by its primary key with equal cells, and no key twice. An import
// of such a file changes nothing, so the importer leaves the table, and the
// database, unmodified. Tables without a primary key are never reported as
// equal. Strings compare by their bytes: the importer interns text it
// reads as new pool entries, so equal strings may have different ids.
func holdsExactly(t *Table, cells []uint32, nrows int) bool {
	if len(t.keys) == 0 || t.Len() != nrows {
		return false
	}
	t.buildIndex()
	n := len(t.cols)
	seen := make(map[string]bool, nrows)
	for r := 0; r < nrows; r++ {
		row := cells[r*n : (r+1)*n]
		k := t.keyBytes(row)
		if seen[k] {
			return false
		}
		seen[k] = true
		i, ok := t.index[k]
		if !ok || !t.sameCells(t.cells[i*n:(i+1)*n], row) {
			return false
		}
	}
	return true
}

// sameCells reports whether two rows of t's cells hold equal values.
func (t *Table) sameCells(a, b []uint32) bool {
	for i, c := range t.cols {
		if a[i] == b[i] {
			continue
		}
		if c.Type != ColString || !bytes.Equal(t.pool.raw(a[i]), t.pool.raw(b[i])) {
			return false
		}
	}
	return true
}
