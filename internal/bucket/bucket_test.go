package bucket

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

type item struct {
	key int32
	at  int // its place in the input, to check stability
}

// Starts and Place give what a stable sort by key gives, with each key's
// run where start says, for keys absent, repeated and all alike.
func TestGroupAsStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ n, keys int }{{0, 0}, {0, 3}, {1, 1}, {5, 1}, {100, 7}, {1000, 1000}, {1000, 3000}} {
		items := make([]item, tc.n)
		for i := range items {
			items[i] = item{int32(r.IntN(tc.keys)), i}
		}
		key := func(x item) int32 { return x.key }
		start := Starts(items, tc.keys, key)
		got := Place(nil, items, start, key, func(x item) item { return x })
		want := slices.Clone(items)
		slices.SortStableFunc(want, func(a, b item) int { return cmp.Compare(a.key, b.key) })
		if diff := gocmp.Diff(want, got, gocmp.AllowUnexported(item{}), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%d items, %d keys: Place (-stable sort +got):\n%s", tc.n, tc.keys, diff)
		}
		if len(start) != tc.keys+1 {
			t.Fatalf("%d items, %d keys: %d starts", tc.n, tc.keys, len(start))
		}
		for k := range tc.keys {
			for _, x := range got[start[k]:start[k+1]] {
				if x.key != int32(k) {
					t.Fatalf("%d items, %d keys: key %d's run holds key %d", tc.n, tc.keys, k, x.key)
				}
			}
		}
		if tc.keys > 0 && int(start[tc.keys]) != tc.n {
			t.Errorf("%d items, %d keys: start[n] = %d", tc.n, tc.keys, start[tc.keys])
		}
	}
}

// Place writes into dst's room when it has enough, and into a new slice
// when not, never past len(items).
func TestPlaceReusesRoom(t *testing.T) {
	items := []int32{2, 0, 1, 0}
	id := func(x int32) int32 { return x }
	start := Starts(items, 3, id)
	room := make([]int32, 1, 10)
	got := Place(room, items, start, id, id)
	if diff := gocmp.Diff([]int32{0, 0, 1, 2}, got); diff != "" {
		t.Errorf("Place (-want +got):\n%s", diff)
	}
	if &got[0] != &room[:1][0] {
		t.Error("Place did not write into dst's room")
	}
	small := make([]int32, 0, 2)
	if got := Place(small, items, start, id, id); cap(small) == cap(got) || len(got) != 4 {
		t.Errorf("Place into room for 2 of 4 items: len %d cap %d", len(got), cap(got))
	}
}

func BenchmarkGroup(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	items := make([]uint64, 1<<20)
	for i := range items {
		items[i] = uint64(r.IntN(1000))<<32 | uint64(r.IntN(1000))
	}
	key := func(x uint64) int32 { return int32(x >> 32) }
	val := func(x uint64) int32 { return int32(uint32(x)) }
	var dst []int32
	b.SetBytes(int64(len(items)) * 8)
	b.ReportAllocs()
	for b.Loop() {
		dst = Place(dst, items, Starts(items, 1000, key), key, val)
	}
}
