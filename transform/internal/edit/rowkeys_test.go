package edit

import (
	"strings"
	"testing"
)

// RowKeys names two rows alike exactly when their tables and key cells
// are equal, long cells included (by content, not by the bytes holding
// them), and a row naming a long text does not copy it.
func TestRowKeys(t *testing.T) {
	a := strings.Repeat("a", 300)
	a2 := strings.Clone(a)
	b := strings.Repeat("a", 299) + "b"
	rows := []struct {
		table string
		key   []string
	}{
		{"T", nil},
		{"T", []string{""}},
		{"T", []string{"", ""}},
		{"T", []string{"x"}},
		{"Tx", nil},
		{"T\x001:x", nil},
		{"T", []string{"x\x001:y"}},
		{"T", []string{"x", "y"}},
		{"T", []string{a}},
		{"T", []string{b}},
		{"T", []string{a, "0"}},
		{"T", []string{"300:0"}},
		{"U", []string{a}},
	}
	var ks RowKeys
	seen := map[string]int{}
	for i, r := range rows {
		k := ks.Key(r.table, r.key)
		if j, dup := seen[k]; dup {
			t.Errorf("rows %d %q and %d %q have the same name %q", j, rows[j], i, r, k)
		}
		seen[k] = i
		if len(k) > 64 {
			t.Errorf("row %d: name of %d bytes, want a long cell named by a number", i, len(k))
		}
	}
	if got, want := ks.Key("T", []string{a2}), ks.Key("T", []string{a}); got != want {
		t.Errorf("equal long cells in different bytes: names %q and %q", got, want)
	}
}
