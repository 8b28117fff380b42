package fuzz

import (
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
