package transform

import (
	"math"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// auditHeldPerEntryPointOf bounds the heap an audit report holds per
// entry point once Audit returns, for the shapes of the scaled
// fixtures' largest lists of entry points (the rewrite preview left
// out). The report held each entry point as an EntryPoint (224 bytes)
// with its key, name and descriptor of its own: 448 bytes for a
// qualified component (the 460,000 of msi-publish-grid.msi, with
// --max-entry-points raised, took msikit audit to 254 MB of peak RSS),
// 480 for a verb. As records of an arena (epList) they take 64 and 142
// bytes.
var auditHeldPerEntryPointOf = map[string]int64{"publish grid": 100, "verbs": 200}

// TestAuditHeldPerEntryPoint audits 20,000 qualified components, 100
// per category, and 20,000 verbs of one extension, and measures what
// the report holds once the package is closed.
func TestAuditHeldPerEntryPoint(t *testing.T) {
	const n = 20000
	for _, shape := range []struct {
		name string
		db   func() *msi.Database
	}{
		{"publish grid", func() *msi.Database { return publishGrid(t, n/100, 100) }},
		{"verbs", func() *msi.Database { return verbsDB(t, n) }},
	} {
		t.Run(shape.name, func(t *testing.T) {
			per := heldPerEntryPoint(t, shape.db(), n)
			if budget := auditHeldPerEntryPointOf[shape.name]; per > budget {
				t.Errorf("the report holds %d bytes per entry point, budget %d", per, budget)
			}
		})
	}
}

// heldPerEntryPoint audits db (closed then) with every entry point
// listed, checks that it lists at least n, and returns the bytes the
// report holds per entry point.
func heldPerEntryPoint(t *testing.T, db *msi.Database, n int64) int64 {
	t.Helper()
	rep, err := Audit(db, AuditOptions{NoRewrite: true, MaxEntryPoints: math.MaxInt32})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	eps := int64(rep.NumEntryPoints())
	if eps < n {
		t.Fatalf("%d entry points, want at least %d", eps, n)
	}
	held := int64(testenv.FreedBytes(func() { rep = nil }))
	per := held / eps
	t.Logf("%d entry points: %d bytes held, %d per entry point", eps, held, per)
	return per
}
