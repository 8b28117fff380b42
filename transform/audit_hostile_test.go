package transform

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/msikit/msikit/msi"
)

// auditHeldPerEntryPoint bounds the heap an audit report holds per entry
// point once Audit returns: the EntryPoint itself (240 bytes on 64-bit
// systems) and a share of the package's tables, with every text that
// thousands of entry points have in common (the rewrite preview's
// verdict, the class a ProgId reaches, its descriptor) held once.
const auditHeldPerEntryPoint = 360

// progIDChain returns the sample with n more ProgId rows, each the
// parent of the next, under the sample's registered ProgId, saved and
// opened again.
func progIDChain(t *testing.T, n int) *msi.Database {
	t.Helper()
	db := openSample(t)
	tab, err := db.Table("ProgId")
	if err != nil {
		t.Fatal(err)
	}
	parent := "Synth.Widget.1"
	for i := range n {
		name := fmt.Sprintf("P%d", i)
		if err := tab.Insert(msi.StrValue(name), msi.StrValue(parent), msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}); err != nil {
			t.Fatal(err)
		}
		parent = name
	}
	return saveReopen(t, db)
}

// TestAuditHoldsLittlePerEntryPoint audits ProgId chains of 20,000 (the
// rewrite preview converts them) and 40,000 rows (the preview fails on
// too many changes): the report holds at most auditHeldPerEntryPoint
// bytes per entry point, so that 180,000 of them in a 5 MB package stay
// within the command budget.
func TestAuditHoldsLittlePerEntryPoint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds packages of 20,000 and 40,000 rows")
	}
	for _, n := range []int{20000, 40000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db := progIDChain(t, n)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			rep, err := Audit(db, AuditOptions{NoPassReports: true})
			if err != nil {
				t.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			eps := len(rep.EntryPoints)
			if eps < n {
				t.Fatalf("%d entry points, want at least %d", eps, n)
			}
			if fails := rep.Rewrite.Error != ""; fails != (n > 30000) {
				t.Errorf("rewrite preview error %q for %d ProgIds", rep.Rewrite.Error, n)
			}
			t.Logf("%d entry points: %d bytes held, %d per entry point", eps, held, held/int64(eps))
			if per := held / int64(eps); per > auditHeldPerEntryPoint {
				t.Errorf("the report holds %d bytes per entry point, want at most %d", per, auditHeldPerEntryPoint)
			}
			runtime.KeepAlive(rep)
		})
	}
}
