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
