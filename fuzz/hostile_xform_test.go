package fuzz

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// buildManyTransformStorages is a patch for the sample's product holding
// 1,000*scale empty transform storages (36,000 at 5 MB, 136 bytes each),
// every one listed in PID 8: info opens each, and finding a storage by
// its name must not look at all the others.
func buildManyTransformStorages(t testing.TB, scale int) []byte {
	n := 1000 * scale
	subs := make(map[string]func(*cfb.Writer, string), n)
	var order strings.Builder
	for i := 0; i < n; i++ {
		name := "t" + strconv.Itoa(i)
		subs[name] = func(*cfb.Writer, string) {}
		order.WriteString(":" + name + ";")
	}
	return rawPatch(t, order.String(), subs)
}

func checkManyTransformStorages(t *testing.T, db *msi.Database) {
	p, err := mst.NewPatch(db)
	must(t, err)
	if len(p.Transforms) != 1000 {
		t.Fatalf("%d transforms listed, want 1,000", len(p.Transforms))
	}
	testenv.CheckBudget(t, "open every transform", func() {
		for _, name := range p.Transforms {
			tr, err := p.Transform(name)
			must(t, err)
			if _, err := tr.Decode(nil); err != nil {
				t.Fatal(err)
			}
		}
	})
	base := sampleBase(t)
	testenv.CheckBudget(t, "ApplyPatch", func() {
		rep, err := mst.ApplyPatch(base, p, &mst.ApplyOptions{Skip: mst.AllChecks})
		must(t, err)
		if len(rep.Applied) != 1 || len(rep.Skipped) != 999 {
			t.Errorf("%d transforms applied, %d skipped, want 1 and 999", len(rep.Applied), len(rep.Skipped))
		}
	})
}

// buildMissingRowLongKey is a transform of 75 updates of a Property row
// the sample lacks, whose key is one pooled text of 60,000*scale bytes
// (4.8 MB at 5 MB): each record meets update-missing-row, and a report
// naming the row for each must quote the key clipped.
func buildMissingRowLongKey(t testing.TB, scale int) []byte {
	key := "K" + strings.Repeat("k", 60000*scale-1)
	var recs []byte
	for i := 0; i < 75; i++ {
		recs = append(recs, words(0x0002, 1, 2)...)
	}
	return rawTransform(t, 0, []string{key, "v"}, map[string][]byte{"Property": recs}, nil)
}

func checkMissingRowLongKey(t *testing.T, db *msi.Database) {
	tr, err := mst.New(db)
	must(t, err)
	base := sampleBase(t)
	testenv.CheckBudget(t, "Apply", func() {
		rep, err := mst.Apply(base, tr, &mst.ApplyOptions{Skip: mst.AllChecks, Suppress: mst.AllErrorConditions, SetSuppress: true})
		must(t, err)
		if rep.Suppressed[mst.UpdateMissingRow] != 75 || len(rep.Notes) != 75 {
			t.Errorf("%d records met update-missing-row, %d notes, want 75 and 75", rep.Suppressed[mst.UpdateMissingRow], len(rep.Notes))
		}
		for _, n := range rep.Notes {
			if len(n) > 2048 {
				t.Fatalf("a note of %d bytes: %.200s", len(n), n)
			}
		}
	})
}

// buildPatchSequenceShared is a patch whose own MsiPatchSequence table
// holds 10,000*scale rows (450,000 at 5 MB, 10 bytes each: 100*scale
// patch families by 100 product codes), every Sequence one pooled 64 KiB
// text: info lists the rows of the patch's tables.
func buildPatchSequenceShared(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	for _, name := range db.TableNames() {
		must(t, db.DropTable(name))
	}
	tb, err := db.CreateTable("MsiPatchSequence", []msi.Column{
		{Name: "PatchFamily", Type: msi.ColString, Size: 72, Key: true},
		{Name: "ProductCode", Type: msi.ColString, Size: 38, Key: true, Nullable: true},
		{Name: "Sequence", Type: msi.ColString, Size: 72},
		{Name: "Attributes", Type: msi.ColInt32, Size: 4, Nullable: true},
	})
	must(t, err)
	long := strings.Repeat("1.", 32<<10)
	for i := 0; i < 100*scale; i++ {
		for j := 0; j < 100; j++ {
			must(t, tb.Insert(msi.StrValue("F"+strconv.Itoa(i)), msi.StrValue("P"+strconv.Itoa(j)), msi.StrValue(long), msi.IntValue(1)))
		}
	}
	return withRootCLSID(t, saveDB(t, db), msi.CLSIDPatch)
}

// withRootCLSID returns the compound file data with its root CLSID set.
func withRootCLSID(t testing.TB, data []byte, clsid string) []byte {
	rc, err := cfb.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var out bytes.Buffer
	w := cfb.NewWriter(&out, nil)
	g, err := cfb.ParseGUID(clsid)
	must(t, err)
	w.SetRoot(cfb.Header{CLSID: g})
	for _, e := range rc.Root.Children {
		must(t, w.Copy(e))
	}
	must(t, w.Close())
	return out.Bytes()
}

func checkPatchSequenceShared(t *testing.T, db *msi.Database) {
	p, err := mst.NewPatch(db)
	must(t, err)
	testenv.CheckBudget(t, "Rows", func() {
		_, rows, err := p.Rows("MsiPatchSequence")
		must(t, err)
		if len(rows) != 10000 {
			t.Errorf("%d rows, want 10,000", len(rows))
		}
	})
}

// buildWideRowsShared is the sample with a table of 7*scale rows (315 at
// 5 MB) of 15 string cells, every cell one pooled 64 KiB text, and a
// stream of 98,000*scale bytes (4.4 MB) that only makes the package as
// large as its rows are costly: diff SAMPLE FILE lists each row as
// inserted.
func buildWideRowsShared(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	cols := []msi.Column{{Name: "Id", Type: msi.ColInt32, Size: 4, Key: true}}
	for c := 0; c < 15; c++ {
		cols = append(cols, msi.Column{Name: "C" + strconv.Itoa(c), Type: msi.ColString, Nullable: true})
	}
	tb, err := db.CreateTable("Wide", cols)
	must(t, err)
	long := strings.Repeat("w", 64<<10)
	vals := make([]msi.Value, 16)
	for c := 1; c < 16; c++ {
		vals[c] = msi.StrValue(long)
	}
	for i := 0; i < 7*scale; i++ {
		vals[0] = msi.IntValue(int32(i))
		must(t, tb.Insert(vals...))
	}
	pad := bytes.Repeat([]byte{0x5a}, 98000*scale)
	must(t, db.SetStream("Pad", bytes.NewReader(pad), int64(len(pad))))
	return saveDB(t, db)
}

func checkWideRowsShared(t *testing.T, db *msi.Database) {
	base := sampleBase(t)
	testenv.CheckBudget(t, "Diff and WriteText", func() {
		c, err := mst.Diff(base, db)
		must(t, err)
		var n countWriter
		must(t, mst.WriteText(&n, base, c))
		if n.n > 8<<20 {
			t.Errorf("diff text of %d bytes", n.n)
		}
	})
}

// buildCreateEmptyTables is a transform of the sample creating
// 10,000*scale empty tables of one key column (180,000 at 5 MB,
// 24 bytes each): apply holds each table it creates, which must cost
// bytes, not a kilobyte each.
func buildCreateEmptyTables(t testing.TB, scale int) []byte {
	base, db := baseDB(t), baseDB(t)
	cols := []msi.Column{{Name: "K", Type: msi.ColString, Size: 72, Key: true}}
	for i := range 10000 * scale {
		_, err := db.CreateTable("T"+strconv.Itoa(i), cols)
		must(t, err)
	}
	c, err := mst.Diff(base, db)
	must(t, err)
	si, err := mst.NewSummary(base, db, nil)
	must(t, err)
	var out bytes.Buffer
	must(t, mst.Write(&out, c, si))
	return out.Bytes()
}

func checkCreateEmptyTables(t *testing.T, db *msi.Database) {
	tr, err := mst.New(db)
	must(t, err)
	// A fresh base for each run: CheckBudget runs the work a second time
	// on a loaded machine, and the tables exist after the first.
	bases := []*msi.Database{sampleBase(t), sampleBase(t)}
	before := len(bases[0].TableNames())
	var base *msi.Database
	testenv.CheckBudget(t, "Apply", func() {
		base, bases = bases[0], bases[1:]
		_, err := mst.Apply(base, tr, &mst.ApplyOptions{Skip: mst.AllChecks})
		must(t, err)
	})
	if got := len(base.TableNames()) - before; got != 10000 {
		t.Errorf("%d tables created, want 10,000", got)
	}
}
