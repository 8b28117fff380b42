package transform

import (
	"strings"
	"testing"
)

// sameRowName answers as comparing the written row names does, for keys
// that join to the same text from other cells (a cell holding ", "),
// empty cells and keys of one length.
func TestSameRowNameMatchesRowName(t *testing.T) {
	cells := []string{"", "a", "b", ", ", "a, b", "a,", " b", "S00001", "S00002", strings.Repeat("x", 300)}
	var keys [][]string
	keys = append(keys, nil, []string{})
	for _, x := range cells {
		keys = append(keys, []string{x})
		for _, y := range cells {
			keys = append(keys, []string{x, y})
			for _, z := range cells[:5] {
				keys = append(keys, []string{x, y, z})
			}
		}
	}
	for _, table := range []string{"Shortcut", "Class"} {
		for _, ka := range keys {
			for _, kb := range keys {
				a, b := &EntryPoint{Table: "Shortcut", Key: ka}, &EntryPoint{Table: table, Key: kb}
				if got, want := sameRowName(a, b), rowName(a) == rowName(b); got != want {
					t.Fatalf("sameRowName(%q, %s %q) = %v, want %v", ka, table, kb, got, want)
				}
			}
		}
	}
}
