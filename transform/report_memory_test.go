package transform

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// verbsDB returns the sample with n more verbs of its extension synth:
// msi-verbs-of-one-extension.msi of the scaled hostile fixtures (200,000
// verbs there) at a smaller n.
func verbsDB(tb testing.TB, n int) *msi.Database {
	tb.Helper()
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	verbs, err := db.Table("Verb")
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		if err := verbs.Insert(msi.StrValue("synth"), msi.StrValue(fmt.Sprintf("v%d", i)), msi.IntValue(int32(i%1000)), msi.StrValue("x"), msi.StrValue("%1")); err != nil {
			tb.Fatal(err)
		}
	}
	return db
}

// A report holds its changes in about 100 bytes each, not 200-350 (a
// Change of five slices and strings per row, and a []string per row):
// with --max-changes raised, the 600,000 changes of msikit rewrite on
// 200,000 verbs of one extension held 130 MB until they were printed,
// beside the output being validated, and took it past 300 MiB of peak
// RSS. Measured: 235 bytes a change before (14.1 MB for these 60,000
// changes), 82 now.
func TestReportHeldPerChange(t *testing.T) {
	const n = 20000
	db := verbsDB(t, n)
	rep, err := ClassToRegistry(db, ClassToRegistryOptions{MaxChanges: math.MaxInt32})
	if err != nil {
		t.Fatal(err)
	}
	var text countWriter
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	lines := int(text) // at least one byte a change
	held := testenv.FreedBytes(func() { rep = nil })
	changes := 3 * n // two Registry rows per verb, and the verb removed
	perChange := float64(held) / float64(changes)
	t.Logf("report of %d changes (%d bytes of text) held %d bytes, %.0f a change", changes, lines, held, perChange)
	if perChange > 100 {
		t.Errorf("the report held %.0f bytes a change, budget 100", perChange)
	}
}

// A long cell is held once: the report keeps the text it was given, not
// a copy beside it (a map keyed by the text's address kept the text
// alive, and the report held a copy too: twice the bytes).
func TestReportHoldsLongCellsOnce(t *testing.T) {
	const n, size = 100, 64 << 10
	r := &Report{}
	for i := range n {
		long := strings.Repeat(string(rune('a'+i%26)), size)
		k := fmt.Sprint(i)
		r.AddChange(Change{Op: OpAdd, Table: "T", Key: []string{k}, New: []string{k, long}})
	}
	held := testenv.FreedBytes(func() { r = nil })
	if held > n*size*5/4 {
		t.Errorf("%d distinct cells of %d bytes held %d bytes, budget %d", n, size, held, n*size*5/4)
	}
}
