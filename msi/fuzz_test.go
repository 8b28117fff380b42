package msi

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// TestConcurrentReads reads every table, value and lookup from several
// goroutines at once (run with -race).
func TestConcurrentReads(t *testing.T) {
	db, err := Open(coreSample)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, name := range append(db.TableNames(), "_Streams", "_Storages") {
				tab, err := db.Table(name)
				if err != nil {
					t.Error(err)
					return
				}
				for r := range tab.Rows() {
					for _, v := range r.Values() {
						_ = v.String()
					}
					if row, ok := tab.Lookup(r.Key()...); !ok || row.Len() != r.Len() {
						t.Errorf("%s: lookup of %v failed", name, r.Key())
					}
				}
			}
		}()
	}
	wg.Wait()
}

// fuzzDecode opens b and walks everything a reader can reach; when the
// database decodes, it is written back and re-read (FuzzTableStreams).
func fuzzDecode(t *testing.T, b []byte) {
	db, err := NewDatabase(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return
	}
	ok := true
	for _, name := range append(db.TableNames(), "_Tables", "_Columns", "_Streams", "_Storages") {
		tab, err := db.Table(name)
		if err != nil {
			ok = false
			continue
		}
		for _, c := range tab.Columns() {
			_ = c.IDTType()
		}
		for r := range tab.Rows() {
			for _, v := range r.Values() {
				_ = v.String()
			}
			tab.Lookup(r.Key()...)
		}
	}
	for _, s := range db.Streams() {
		if st, err := db.OpenStream(s.Name); err == nil {
			io.Copy(io.Discard, io.LimitReader(st, 1<<20))
		}
	}
	if !ok || db.Kind() == PackageTransform {
		return
	}
	var buf bytes.Buffer
	if _, err := db.Write(&buf, &WriteOptions{Compact: true, DropSignature: true}); err != nil {
		return
	}
	db2, err := NewDatabase(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatalf("rewritten database does not open: %v", err)
	}
	for _, name := range db.TableNames() {
		t1, _ := db.Table(name)
		t2, err := db2.Table(name)
		if err != nil {
			t.Fatalf("rewritten table %s: %v", name, err)
		}
		if t1.Len() != t2.Len() {
			t.Fatalf("table %s: %d rows after rewrite, was %d", name, t2.Len(), t1.Len())
		}
	}
}

// Whole packages are fuzzed through the public API by
// fuzz.FuzzOpenDatabase (seeded with testdata/sample.msi and this
// package's synthetic database in fuzz/testdata/fuzz/FuzzOpenDatabase);
// FuzzTableStreams reaches the table decoding directly.

// FuzzTableStreams builds a database from fuzzed string pool, _Tables,
// _Columns and table streams (the container itself is valid), so that the
// database decoding is exercised directly, and decodes and rewrites it.
func FuzzTableStreams(f *testing.F) {
	s := &synthDB{}
	s.schema([]tableDef{{"T", []colDef{{"K", 0x2d48}, {"V", 0x1502}, {"B", 0x1900}}}})
	k := s.id("key")
	s.tables["T"] = encodeTable([]Column{{Type: ColString}, {Type: ColInt16}, {Type: ColBinary}}, 2, []uint32{k, 0x8005, 1}, 1, nil)
	strs := make([][]byte, len(s.strs)+1)
	refs := make([]uint32, len(s.strs)+1)
	for i, x := range s.strs {
		strs[i+1], refs[i+1] = []byte(x), 1
	}
	pool, data := encodePool(1252, strs, refs, false)
	f.Add(pool, data, s.tables["_Tables"], s.tables["_Columns"], s.tables["T"])
	f.Fuzz(func(t *testing.T, pool, data, tables, columns, tdata []byte) {
		if len(pool)+len(data)+len(tables)+len(columns)+len(tdata) > 1<<20 {
			return
		}
		db := &synthDB{pool: pool, data: data, tables: map[string][]byte{"_Tables": tables, "_Columns": columns, "T": tdata}}
		if db.pool == nil {
			db.pool = []byte{}
		}
		if db.data == nil {
			db.data = []byte{}
		}
		b := db.bytes(t)
		testenv.CheckFuzzBudget(t, len(b), func() {
			fuzzDecode(t, b)
		})
	})
}
