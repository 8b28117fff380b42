package mst

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUnion(t *testing.T) {
	got := union([]string{"b", "a", "d", "a"}, []string{"c", "b", "e"})
	want := []presence{{"a", true, false}, {"b", true, true}, {"c", false, true}, {"d", true, false}, {"e", false, true}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(presence{})); diff != "" {
		t.Errorf("union (-want +got):\n%s", diff)
	}
	if got := union(nil, nil); len(got) != 0 {
		t.Errorf("union of nothing: %v", got)
	}
}

// TestUnionMemory bounds what union allocates per name: Diff holds it
// while it compares every table of msi-50k-empty-tables.msi (200,000
// names on either side). As two maps and a sorted list it allocated
// 165 bytes a name; a merged list of presences is 24.
func TestUnionMemory(t *testing.T) {
	const n = 20000
	a, b := make([]string, n), make([]string, n)
	for i := range n {
		a[i], b[i] = fmt.Sprintf("T%d", i), fmt.Sprintf("T%d", i)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	u := union(a, b)
	runtime.ReadMemStats(&after)
	if len(u) != n {
		t.Fatalf("%d names, want %d", len(u), n)
	}
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 40 {
		t.Errorf("union allocates %d bytes a name, budget 40", per)
	}
}

// BenchmarkUnion merges two lists of 200,000 table names, one table
// apart.
func BenchmarkUnion(b *testing.B) {
	const n = 200_000
	x := make([]string, n)
	for i := range n {
		x[i] = fmt.Sprintf("T%d", i)
	}
	b.ReportAllocs()
	for b.Loop() {
		union(append([]string(nil), x...), append([]string{"Extra"}, x[1:]...))
	}
}
