package msi

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// longTexts returns n distinct texts of size bytes (ASCII, or with é).
func longTexts(n, size int, accent bool) []string {
	out := make([]string, n)
	for i := range out {
		head := fmt.Sprintf("%06d", i)
		fill := "x"
		if accent {
			fill = "é"
		}
		out[i] = head + strings.Repeat(fill, (size-len(head))/len(fill))
	}
	return out
}

// A long text inserted as a plain string is kept by the pool as it is
// (remember keeps it alive anyway), not copied into the pool's chunks:
// rewrite --as-transform of 25 MB of generated Registry text held it
// in the pass's strings and in the pool both. The rows read back the
// texts and the written database holds them.
func TestPoolBorrowsLongPlainTexts(t *testing.T) {
	for _, accent := range []bool{false, true} {
		t.Run(fmt.Sprintf("accent=%v", accent), func(t *testing.T) {
			db := openSample(t)
			if accent {
				if err := db.SetCodepage(1252); err != nil {
					t.Fatal(err)
				}
			}
			prop, err := db.Table("Property")
			if err != nil {
				t.Fatal(err)
			}
			const n, size = 100, 64 << 10
			texts := longTexts(n, size, accent)
			vals := make([]Value, n)
			for i := range vals {
				vals[i] = StrValue(texts[i])
			}
			got := allocated(func() {
				for i, v := range vals {
					if err := prop.Insert(StrValue(fmt.Sprintf("P%d", i)), v); err != nil {
						t.Fatal(err)
					}
				}
			})
			// An ASCII text costs its entry. (A non-ASCII one is
			// encoded, and its text kept apart: only the copy of the
			// encoding is saved, and the texts are only read back.)
			limit := uint64(2 << 20)
			t.Logf("%d texts of %d bytes inserted: %d bytes allocated", n, size, got)
			if !accent && got > limit {
				t.Errorf("inserting %d texts of %d bytes allocated %d bytes, want at most %d (no copy of each)", n, size, got, limit)
			}
			back := reopen(t, db)
			bp, err := back.Table("Property")
			if err != nil {
				t.Fatal(err)
			}
			var want, have []string
			for i := range n {
				want = append(want, texts[i])
				r, ok := bp.Lookup(StrValue(fmt.Sprintf("P%d", i)))
				if !ok {
					t.Fatalf("P%d missing after a write", i)
				}
				have = append(have, r.At(1).Str())
			}
			if !cmp.Equal(want, have) {
				t.Errorf("the texts read back differ from those inserted")
			}
		})
	}
}

// A StringPoolWriter keeps the long strings of other pools it is given
// (whose bytes never change) rather than copying them, and Encode sizes
// its streams once: a transform's pool of 25 MB of strings held a copy of
// them and 50 MB of data grown by appending.
func TestStringPoolWriterCopiesOnce(t *testing.T) {
	db := openSample(t)
	prop, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	const n, size = 100, 64 << 10
	texts := longTexts(n, size, false)
	for i, s := range texts {
		if err := prop.Insert(StrValue(fmt.Sprintf("P%d", i)), StrValue(s)); err != nil {
			t.Fatal(err)
		}
	}
	vals := make([]Value, n)
	for i := range vals {
		r, _ := prop.Lookup(StrValue(fmt.Sprintf("P%d", i)))
		vals[i] = r.At(1)
	}
	w := NewStringPoolWriter(db.Codepage())
	var data []byte
	got := allocated(func() {
		for _, v := range vals {
			if _, err := w.Add(v); err != nil {
				t.Fatal(err)
			}
		}
		_, data = w.Encode()
	})
	t.Logf("%d strings of %d bytes added and encoded: %d bytes allocated", n, size, got)
	if limit := uint64(n*size + 1<<20); got > limit {
		t.Errorf("adding and encoding %d strings of %d bytes allocated %d bytes, want at most %d (the data once)", n, size, got, limit)
	}
	if want := strings.Join(texts, ""); string(data) != want {
		t.Errorf("_StringData of %d bytes, want the %d bytes of the texts in order", len(data), len(want))
	}
}

// reopen writes db to memory and reads it back.
func reopen(t *testing.T, db *Database) *Database {
	t.Helper()
	var buf bytes.Buffer
	if _, err := db.Write(&buf, &WriteOptions{KeepPackageCode: true}); err != nil {
		t.Fatal(err)
	}
	back, err := NewDatabase(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return back
}
