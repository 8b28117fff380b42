package textmemo

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// An Index answers as a map[string]int does under random sets, deletes
// and lookups of short and long keys, long keys coming in fresh copies
// of their bytes as well as in the same bytes again.
func TestIndexLikeMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var texts []string
	for i := range 6 {
		texts = append(texts, "k"+strings.Repeat(string(rune('a'+i)), i)) // short
		texts = append(texts, strings.Repeat(string(rune('A'+i)), Min+i*100))
	}
	texts = append(texts, strings.Repeat("A", Min-1)) // just short of Min
	pick := func() string {
		s := texts[rng.IntN(len(texts))]
		if rng.IntN(2) == 0 {
			s = strings.Clone(s) // the same text in other bytes
		}
		return s
	}
	var x Index[int]
	want := map[string]int{}
	for step := range 20000 {
		k := pick()
		switch rng.IntN(4) {
		case 0:
			x.Set(k, step)
			want[k] = step
		case 1:
			x.Delete(k)
			delete(want, k)
		default:
			v, ok := x.Lookup(k)
			wv, wok := want[k]
			if v != wv || ok != wok || x.Get(k) != wv || x.Has(k) != wok {
				t.Fatalf("step %d: Lookup(%.10q… %d bytes) = %d, %v; want %d, %v", step, k, len(k), v, ok, wv, wok)
			}
		}
		if x.Len() != len(want) {
			t.Fatalf("step %d: Len() = %d, want %d", step, x.Len(), len(want))
		}
	}
	if diff := cmp.Diff(want, maps.Collect(x.All())); diff != "" {
		t.Errorf("All() (-want +got):\n%s", diff)
	}
}

// A long key is hashed once per distinct bytes: looking up the same text
// a thousand times allocates nothing and takes far less than hashing it
// a thousand times would (checked through the text map's size: one entry
// per distinct text, one identity per copy).
func TestIndexLongKeysByIdentity(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	var x Index[int]
	x.Set(big, 1)
	copyOf := strings.Clone(big)
	allocs := testing.AllocsPerRun(1000, func() {
		if x.Get(big) != 1 || x.Get(copyOf) != 1 {
			t.Fatal("lost the value")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per lookup, want 0", allocs)
	}
	if len(x.byTxt) != 1 || len(x.ids) != 2 {
		t.Errorf("%d texts and %d identities remembered, want 1 and 2", len(x.byTxt), len(x.ids))
	}
}

// BenchmarkIndexLongKey looks up one 900 KB text among 100 keys, the
// cost each cell naming it pays: with a map[string] each lookup hashes
// the whole text (a map of up to 8 keys compares instead).
func BenchmarkIndexLongKey(b *testing.B) {
	big := strings.Repeat("[A]", 300000)
	b.Run("Index", func(b *testing.B) {
		var x Index[int]
		for i := range 100 {
			x.Set(strings.Repeat("k", i), 2)
		}
		x.Set(big, 1)
		b.ReportAllocs()
		for b.Loop() {
			if x.Get(big) != 1 {
				b.Fatal("lost")
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		m := map[string]int{big: 1}
		for i := range 100 {
			m[strings.Repeat("k", i)] = 2
		}
		b.ReportAllocs()
		for b.Loop() {
			if m[big] != 1 {
				b.Fatal("lost")
			}
		}
	})
}

// IDs numbers texts from 0 in the order first seen; the same text in
// other bytes gets the same number.
func TestIDs(t *testing.T) {
	long := strings.Repeat("L", Min)
	var ids IDs
	var got []int32
	for _, s := range []string{"a", long, "b", "a", strings.Clone(long), "b"} {
		got = append(got, ids.ID(s))
	}
	if diff := cmp.Diff([]int32{0, 1, 2, 0, 1, 2}, got); diff != "" {
		t.Errorf("IDs (-want +got):\n%s", diff)
	}
}

// IDs answers from the text last asked about as from its index: a text
// found missing by Lookup and then numbered by ID gets its number, runs of
// one text in the same bytes and in other bytes agree, and Lookup gives
// no number to a text it has not seen.
func TestIDsLastText(t *testing.T) {
	long := strings.Repeat("L", Min)
	var ids IDs
	type answer struct {
		ID int32
		OK bool
	}
	var got []answer
	lookup := func(s string) {
		id, ok := ids.Lookup(s)
		got = append(got, answer{id, ok})
	}
	lookup("a")
	got = append(got, answer{ids.ID("a"), true})
	lookup("a")
	lookup(long)
	lookup(long)
	got = append(got, answer{ids.ID(long), true})
	got = append(got, answer{ids.ID(long), true})
	lookup(strings.Clone(long))
	lookup("b")
	lookup("a")
	want := []answer{{-1, false}, {0, true}, {0, true}, {-1, false}, {-1, false}, {1, true}, {1, true}, {1, true}, {-1, false}, {0, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Lookup and ID (-want +got):\n%s", diff)
	}
	if ids.Len() != 2 {
		t.Errorf("Len %d, want 2", ids.Len())
	}
}

// An Index reserved for n keys takes them without growing: filling it
// with the names of a table's rows allocates nothing more (grown step by
// step, the index of 120,000 component names was rehashed and copied a
// dozen times).
func TestIndexReserve(t *testing.T) {
	const n = 1000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("Component%05d", i)
	}
	allocs := testing.AllocsPerRun(10, func() {
		var x Index[int32]
		x.Reserve(n)
		for i, k := range keys {
			x.Set(k, int32(i))
		}
		if x.Len() != n || x.Get(keys[n-1]) != n-1 {
			t.Fatalf("Len %d, Get %d", x.Len(), x.Get(keys[n-1]))
		}
	})
	// The map itself: its directory and tables, made once.
	if allocs > 8 {
		t.Errorf("filling a reserved Index with %d keys: %.0f allocations, want at most 8 (22 unreserved)", n, allocs)
	}
	var x Index[int32]
	x.Set("a", 1)
	x.Reserve(n) // too late: nothing changes
	if x.Get("a") != 1 || x.Len() != 1 {
		t.Errorf("Reserve after Set lost a key: Len %d", x.Len())
	}
}

// TestRanks: equal texts get equal ranks, in the texts' order, whether
// they share their bytes or not; a long text shared by 20,000 entries is
// compared once per step of sorting the distinct texts.
func TestRanks(t *testing.T) {
	long := strings.Repeat("k", 1<<20)
	other := strings.Clone(long)
	texts := []string{"b", "a", long, "b", "", other + "!", other}
	want := []int32{2, 1, 3, 2, 0, 4, 3}
	if diff := cmp.Diff(want, Ranks(texts)); diff != "" {
		t.Errorf("Ranks (-want +got):\n%s", diff)
	}
	many := make([]string, 20000)
	for i := range many {
		many[i] = long
		if i%2 == 1 {
			many[i] = other
		}
	}
	r := Ranks(many)
	for i, v := range r {
		if v != 0 {
			t.Fatalf("rank %d of text %d, want 0", v, i)
		}
	}
}

// SortStable orders items as a stable sort comparing their texts in turn
// does, with long texts shared or held in other bytes.
func TestSortStable(t *testing.T) {
	long := strings.Repeat("L", Min)
	type item struct {
		A, B string
		At   int
	}
	var items []item
	for i, p := range [][2]string{{"b", "x"}, {long, "y"}, {"a", long}, {strings.Clone(long), "a"}, {"b", "a"}, {"a", strings.Clone(long)}, {"b", "x"}, {long, "a"}} {
		items = append(items, item{p[0], p[1], i})
	}
	want := slices.Clone(items)
	sort.SliceStable(want, func(i, j int) bool {
		if want[i].A != want[j].A {
			return want[i].A < want[j].A
		}
		return want[i].B < want[j].B
	})
	SortStable(items, func(x item) string { return x.A }, func(x item) string { return x.B })
	if diff := cmp.Diff(want, items); diff != "" {
		t.Errorf("SortStable (-sort.SliceStable +got):\n%s", diff)
	}
}
