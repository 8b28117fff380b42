package msi

import "strings"

// holdsExactly reports whether t's rows are exactly rows (in any order):
// the same number, each row of rows found by its primary key with equal
// values, and no key twice. An import of such a file changes nothing, so
// the importer leaves the table, and the database, unmodified. Tables
// without a primary key are never reported as equal.
func holdsExactly(t *Table, rows [][]Value) bool {
	keys := t.KeyColumns()
	if len(keys) == 0 || t.Len() != len(rows) {
		return false
	}
	seen := make(map[string]bool, len(rows))
	key := make([]Value, len(keys))
	for _, vals := range rows {
		var id strings.Builder
		for i, c := range keys {
			key[i] = vals[c.Number-1]
			id.WriteString(key[i].String())
			id.WriteByte(0)
		}
		if seen[id.String()] {
			return false
		}
		seen[id.String()] = true
		row, ok := t.Lookup(key...)
		if !ok || row.Len() != len(vals) {
			return false
		}
		for i, v := range vals {
			if !row.Index(i).Equal(v) {
				return false
			}
		}
	}
	return true
}
