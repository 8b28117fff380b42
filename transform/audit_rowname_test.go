package transform

import (
	"strings"
	"testing"
)

// sameRowName and entryRows.same answer as comparing the written row
// names does, for keys that join to the same text from other cells (a
// cell holding ", "), empty cells, keys of one length and keys longer
// than the ends a row print hashes; equal names have equal prints.
func TestSameRowNameMatchesRowName(t *testing.T) {
	cells := []string{"", "a", "b", ", ", "a, b", "a,", " b", "S00001", "S00002", strings.Repeat("x", 300),
		strings.Repeat("ab, ", 10), strings.Repeat("ab", 20), strings.Repeat("x", 30) + ", y"}
	var keys [][]string
	keys = append(keys, nil, []string{})
	for _, x := range cells {
		keys = append(keys, []string{x})
		for _, y := range cells {
			keys = append(keys, []string{x, y})
			for _, z := range cells[:3] {
				keys = append(keys, []string{x, y, z})
			}
		}
	}
	var eps []EntryPoint
	for _, kind := range []string{"shortcut", "class"} {
		for _, k := range keys {
			eps = append(eps, EntryPoint{Kind: kind, Table: epKindNames[epKindOf(kind)].table, Key: k})
		}
	}
	w := newEPWriter(len(eps))
	for i := range eps {
		w.add(&eps[i], "", "")
	}
	rows := newEntryRows(w.done())
	equal := 0
	for i := range eps {
		for j := range eps {
			a, b := &eps[i], &eps[j]
			want := rowName(a) == rowName(b)
			if got := sameRowName(a, b); got != want {
				t.Fatalf("sameRowName(%s %q, %s %q) = %v, want %v", a.Table, a.Key, b.Table, b.Key, got, want)
			}
			if got := rows.same(int32(i), int32(j)); got != want {
				t.Fatalf("same(%s %q, %s %q) = %v, want %v", a.Table, a.Key, b.Table, b.Key, got, want)
			}
			if want && i != j {
				equal++
				if rows.prints[i] != rows.prints[j] {
					t.Fatalf("%s %q and %q: the same row name, prints %x and %x", a.Table, a.Key, b.Key, rows.prints[i], rows.prints[j])
				}
			}
		}
	}
	if equal < 100 {
		t.Errorf("%d pairs of keys joined to the same name, want at least 100", equal)
	}
}
