package fuzz

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// buildNonASCIIPool: a string pool of 100,000 strings (950,000 at 4.8
// MB) of one byte, 0xE9 ("é" in Windows-1252, the pool's codepage), that
// no table uses (reference count 0): 5 bytes a string, the most strings
// a package's bytes can hold whose text is not their bytes, each decoded
// when the package is opened.
func buildNonASCIIPool(t testing.TB, scale int) []byte {
	n := 100000 * scale
	pool := binary.LittleEndian.AppendUint32(nil, 1252)
	for range n {
		pool = binary.LittleEndian.AppendUint32(pool, 1) // length 1, no references
	}
	data := bytes.Repeat([]byte{0xE9}, n)
	return rawTables(t, "{C0C0C0C0-0000-4000-8000-000000000002}", pool, data, nil)
}

// checkNonASCIIPool: every string reads as "é", and opening the package
// holds its decoded texts by id (a map grown as they were decoded took
// 0.85 s and 98 MiB at 4.8 MB).
func checkNonASCIIPool(t *testing.T, db *msi.Database) {
	if n := db.PoolLen(); n != 100001 {
		t.Fatalf("%d pool entries, want 100,001", n)
	}
	for _, id := range []uint32{1, 50000, 100000} {
		if v, err := db.PoolString(id); err != nil || v.Str() != "é" {
			t.Errorf("string %d: %q, %v; want é", id, v.Str(), err)
		}
	}
	data := buildNonASCIIPool(t, 1)
	testenv.CheckBudgetOf(t, "NewDatabase", testenv.TimeBudget, 24<<20, func() {
		_, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		must(t, err)
	})
}
