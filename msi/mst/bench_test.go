package mst_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/winemsi"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// benchRows is the row count of each big table of the benchmark packages.
const benchRows = 100000

var benchPair struct {
	once      sync.Once
	a, b, mst []byte
	err       error
}

// benchPackages returns two related packages of testdata/sample.msi plus
// 100,000 rows in each of File, Component, FeatureComponents and Registry
// (the shapes of ../shared/bench/gen_idt.py), B differing from A in 10,000
// File sizes, 5,000 Registry rows removed and 5,000 added, 1,000 rows of a
// new table and a column added to Component; and the transform from A to
// B. They are cached in the temp folder.
func benchPackages(tb testing.TB) (a, b, t []byte) {
	benchPair.once.Do(func() {
		cache := filepath.Join(os.TempDir(), fmt.Sprintf("msikit-mst-bench-%d-v2", benchRows))
		if a, err := os.ReadFile(cache + "-a.msi"); err == nil {
			b, err1 := os.ReadFile(cache + "-b.msi")
			m, err2 := os.ReadFile(cache + ".mst")
			if err1 == nil && err2 == nil {
				benchPair.a, benchPair.b, benchPair.mst = a, b, m
				return
			}
		}
		benchPair.a, benchPair.b, benchPair.mst, benchPair.err = buildBenchPair()
		if benchPair.err == nil {
			os.WriteFile(cache+"-a.msi", benchPair.a, 0o666) // best effort
			os.WriteFile(cache+"-b.msi", benchPair.b, 0o666)
			os.WriteFile(cache+".mst", benchPair.mst, 0o666)
		}
	})
	if benchPair.err != nil {
		tb.Fatal(benchPair.err)
	}
	return benchPair.a, benchPair.b, benchPair.mst
}

func buildBenchPair() (a, b, t []byte, err error) {
	s, n := msi.StrValue, func(i int) msi.Value { return msi.IntValue(int32(i)) }
	fill := func(db *msi.Database, table string, row func(i int) []msi.Value, from, to int) error {
		l, err := db.LoadRows(table, nil)
		if err != nil {
			return err
		}
		for i := from; i < to; i++ {
			if err := l.Add(row(i)); err != nil {
				return err
			}
		}
		_, _, err = l.Commit()
		return err
	}
	file := func(size int) func(i int) []msi.Value {
		return func(i int) []msi.Value {
			return []msi.Value{s(fmt.Sprintf("fil%06d", i)), s(fmt.Sprintf("cmp%06d", i)), s(fmt.Sprintf("F%06d.dll|file_number_%06d.dll", i, i)),
				n(size + i), s(fmt.Sprintf("1.%d.%d.%d", i%10, i%100, i)), s("1033"), n(512), n(i + 1)}
		}
	}
	comp := func(i int) []msi.Value {
		return []msi.Value{s(fmt.Sprintf("cmp%06d", i)), s(fmt.Sprintf("{%08X-0000-4000-8000-%012X}", i+1, i+1)), s("INSTALLDIR"), n(0), msi.Null, s(fmt.Sprintf("fil%06d", i))}
	}
	fc := func(i int) []msi.Value { return []msi.Value{s("Main"), s(fmt.Sprintf("cmp%06d", i))} }
	reg := func(i int) []msi.Value {
		return []msi.Value{s(fmt.Sprintf("reg%06d", i)), n(i % 4), s(fmt.Sprintf(`Software\Acme\Product\Section%04d\Sub%03d`, i/100, i%100)),
			s(fmt.Sprintf("Value%06d", i)), s(fmt.Sprintf("string value %d", i)), s(fmt.Sprintf("cmp%06d", i%benchRows))}
	}
	build := func(edit func(db *msi.Database) error) ([]byte, error) {
		db, err := msi.Open(testenv.SampleMSI())
		if err != nil {
			return nil, err
		}
		defer db.Close()
		if err := edit(db); err != nil {
			return nil, err
		}
		var out bytes.Buffer
		_, err = db.Write(&out, &msi.WriteOptions{KeepPackageCode: true})
		return out.Bytes(), err
	}
	a, err = build(func(db *msi.Database) error {
		for _, f := range []error{fill(db, "File", file(1000), 0, benchRows), fill(db, "Component", comp, 0, benchRows),
			fill(db, "FeatureComponents", fc, 0, benchRows), fill(db, "Registry", reg, 0, benchRows)} {
			if f != nil {
				return f
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	b, err = build(func(db *msi.Database) error {
		// Every tenth File row gets another size.
		sizes := func(i int) []msi.Value {
			if i%10 == 0 {
				return file(2000000)(i)
			}
			return file(1000)(i)
		}
		for _, f := range []error{fill(db, "File", sizes, 0, benchRows), fill(db, "Component", comp, 0, benchRows),
			fill(db, "FeatureComponents", fc, 0, benchRows), fill(db, "Registry", reg, 5000, benchRows+5000)} {
			if f != nil {
				return f
			}
		}
		ct, err := db.Table("Component")
		if err != nil {
			return err
		}
		if err := ct.AddColumn(msi.Column{Name: "Note", Type: msi.ColString, Size: 0, Nullable: true}); err != nil {
			return err
		}
		nt, err := db.CreateTable("AcmeSettings", []msi.Column{{Name: "Setting", Type: msi.ColString, Size: 72, Key: true}, {Name: "Value", Type: msi.ColString, Nullable: true}})
		if err != nil {
			return err
		}
		for i := 0; i < 1000; i++ {
			if err := nt.Insert(s(fmt.Sprintf("setting%04d", i)), s(fmt.Sprintf("value %d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	var buf bytes.Buffer
	if err := generateInto(&buf, a, b); err != nil {
		return nil, nil, nil, err
	}
	return a, b, buf.Bytes(), nil
}

// generateInto writes the transform from a to b (package bytes) to w.
func generateInto(w io.Writer, a, b []byte) error {
	old, err := msi.NewDatabase(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		return err
	}
	new, err := msi.NewDatabase(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	c, err := mst.Diff(old, new)
	if err != nil {
		return err
	}
	si, err := mst.NewSummary(old, new, &mst.SummaryOptions{Created: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	return mst.Write(w, c, si)
}

// BenchmarkGenerate100k opens two 100k-row packages from memory, computes
// the changes between them (20,000 rows differ, plus a new table and a
// new column) and writes the transform: msikit diff A B -o T.
func BenchmarkGenerate100k(b *testing.B) {
	pa, pb, _ := benchPackages(b)
	b.SetBytes(int64(len(pa) + len(pb)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := generateInto(io.Discard, pa, pb); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApply100k opens the 100k-row package A and the transform from
// memory, applies the transform and writes the result: msikit apply A T
// -o OUT.
func BenchmarkApply100k(b *testing.B) {
	pa, _, pt := benchPackages(b)
	b.SetBytes(int64(len(pa) + len(pt)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		db, err := msi.NewDatabase(bytes.NewReader(pa), int64(len(pa)))
		if err != nil {
			b.Fatal(err)
		}
		tdb, err := msi.NewDatabase(bytes.NewReader(pt), int64(len(pt)))
		if err != nil {
			b.Fatal(err)
		}
		t, err := mst.New(tdb)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := mst.Apply(db, t, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Write(io.Discard, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchPairRoundTrip checks that the benchmark's packages are what
// it says: the transform applied to A gives B's tables.
func TestBenchPairRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two 100k-row packages")
	}
	pa, pb, pt := benchPackages(t)
	dir := t.TempDir()
	for name, data := range map[string][]byte{"a.msi": pa, "b.msi": pb, "t.mst": pt} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := applySaved(t, filepath.Join(dir, "a.msi"), filepath.Join(dir, "t.mst"), nil)
	b := openCorpus(t, filepath.Join(dir, "b.msi"))
	tr, err := mst.Open(filepath.Join(dir, "t.mst"))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	c, err := tr.Decode(openCorpus(t, filepath.Join(dir, "a.msi")))
	if err != nil {
		t.Fatal(err)
	}
	var ins, upd, del int
	for _, tc := range c.Tables {
		i, u, d := tc.Counts()
		ins, upd, del = ins+i, upd+u, del+d
	}
	if ins != 6000 || upd != 10000 || del != 5000 {
		t.Errorf("the transform inserts %d, updates %d, deletes %d rows; want 6000, 10000, 5000", ins, upd, del)
	}
	if d := diffExports(t, winemsi.ExportTables(t, b), winemsi.ExportTables(t, got)); d != "" {
		t.Errorf("A + transform differs from B (-B +result):\n%s", d)
	}
}
