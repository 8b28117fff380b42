package fuzz

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// dbSeedMax is the largest corpus file used as a FuzzOpenDatabase seed.
const dbSeedMax = 64 << 10

// dumpDatabase decodes every table of db into text (rows sorted, since a
// rewrite stores rows in key order) and reads every stream. It returns
// the dump and whether every table decoded.
func dumpDatabase(t *testing.T, db *msi.Database) (map[string][]string, bool) {
	t.Helper()
	out := map[string][]string{}
	ok := true
	for _, name := range append(db.TableNames(), "_Streams", "_Storages") {
		tab, err := db.Table(name)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "msi: ") {
				t.Fatalf("error without the msi: prefix: %v", err)
			}
			ok = false
			continue
		}
		var cols []string
		for _, c := range tab.Columns() {
			cols = append(cols, c.Name+" "+c.IDTType())
		}
		rows := []string{strings.Join(cols, "\t")}
		for r := range tab.Rows() {
			var f []string
			for _, v := range r.Values() {
				f = append(f, v.Kind().String()+":"+v.String())
			}
			rows = append(rows, strings.Join(f, "\t"))
			if len(tab.KeyColumns()) > 0 {
				if _, found := tab.Lookup(r.Key()...); !found {
					t.Fatalf("%s: Lookup of a stored row's key failed", name)
				}
			}
		}
		slices.Sort(rows[1:])
		out[name] = rows
	}
	for _, s := range db.Streams() {
		st, err := db.OpenStream(s.Name)
		if err != nil {
			continue
		}
		io.Copy(io.Discard, st)
	}
	return out, ok
}

// FuzzOpenDatabase opens arbitrary bytes with msi.NewDatabase, decodes
// every table, value and stream, and for databases that decode completely
// rewrites them (re-encoding every table) and checks the rewrite reads
// back to the same tables. Each input must finish within 2 s and allocate
// a bounded amount of memory.
func FuzzOpenDatabase(f *testing.F) {
	paths := []string{filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi")}
	crafted, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "*.msi"))
	paths = append(paths, crafted...)
	if dir := testenv.CorpusDir(); dir != "" {
		p, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
		paths = append(paths, p...)
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || fi.Size() > dbSeedMax {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 8<<20 {
			return
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()

		db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "msi: ") {
				t.Fatalf("error without the msi: prefix: %v", err)
			}
			return
		}
		want, ok := dumpDatabase(t, db)
		if ok && db.Kind() != msi.KindTransform {
			var out bytes.Buffer
			if _, err := db.WriteToOptions(&out, &msi.WriteOptions{Compact: true, DropSignature: true}); err == nil {
				db2, err := msi.NewDatabase(bytes.NewReader(out.Bytes()), int64(out.Len()))
				if err != nil {
					t.Fatalf("cannot read our own output: %v", err)
				}
				got, ok2 := dumpDatabase(t, db2)
				if !ok2 {
					t.Fatal("our output has tables that do not decode")
				}
				delete(want, "_Streams")
				delete(got, "_Streams")
				if d := cmp.Diff(want, got); d != "" {
					t.Fatalf("rewrite changed the tables (-before +after):\n%s", d)
				}
			} else if !strings.HasPrefix(err.Error(), "msi: ") {
				t.Fatalf("write error without the msi: prefix: %v", err)
			}
		}

		if el := time.Since(start); el > 2*time.Second && !testing.Short() {
			t.Fatalf("took %v for %d bytes", el, len(data))
		}
		runtime.ReadMemStats(&after)
		if a := after.TotalAlloc - before.TotalAlloc; a > 256<<20+64*uint64(len(data)) {
			t.Fatalf("allocated %d bytes for %d input bytes", a, len(data))
		}
	})
}
