package transform

import (
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// fileTypeMaskDB returns the sample with n more Class rows, each naming
// one pooled FileTypeMask of 32,000 patterns (its column widened to hold
// it): msi-class-filetypemask.msi of the scaled hostile fixtures
// (n = 65,180 there) at a smaller n.
func fileTypeMaskDB(tb testing.TB, n int) *msi.Database {
	tb.Helper()
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	old, err := db.Table("Class")
	must(err)
	cols := old.Columns()
	var rows [][]msi.Value
	for r := range old.Rows() {
		rows = append(rows, r.Values())
	}
	for i := range cols {
		if cols[i].Name == "FileTypeMask" {
			cols[i].Size = 0
		}
	}
	must(db.DropTable("Class"))
	tab, err := db.CreateTable("Class", cols)
	must(err)
	for _, r := range rows {
		must(tab.Insert(r...))
	}
	mask := strings.Repeat("a;", 32000)
	mask = mask[:len(mask)-1]
	for i := range n {
		vals := make([]msi.Value, len(cols))
		for j, c := range cols {
			switch c.Name {
			case "CLSID":
				vals[j] = msi.StrValue(fmt.Sprintf("{00000000-0000-0000-0000-%012d}", i))
			case "Context":
				vals[j] = msi.StrValue("InprocServer32")
			case "Component_":
				vals[j] = msi.StrValue("ComServer")
			case "Description":
				vals[j] = msi.StrValue("hostile")
			case "FileTypeMask":
				vals[j] = msi.StrValue(mask)
			case "Feature_":
				vals[j] = msi.StrValue("Core")
			}
		}
		must(tab.Insert(vals...))
	}
	return db
}

// With MaxChanges raised past what the package needs (msikit rewrite
// --max-changes 2147483647), converting 20,000 classes that share one
// hostile FileTypeMask makes 60,000 changes and 20,000 notes; the pass
// and the text of its report allocate what they keep and little more
// (the scaled fixture's 65,180 classes, in msikit rewrite, reached
// 244 MiB of its 256 MiB budget). Building the package included, this
// allocated 298 MB before the changes went straight into the report, the
// planner stopped copying its rows and WriteText stopped formatting
// them; 172 MB after.
func TestClassToRegistryRaisedMaxChangesBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("converts 20,000 classes")
	}
	const n = 20000
	var rep *Report
	var err error
	var db *msi.Database
	testenv.CheckBudgetOf(t, "ClassToRegistry and WriteText", 2*testenv.TimeBudget, 200<<20, func() {
		db = fileTypeMaskDB(t, n)
		rep, err = ClassToRegistry(db, ClassToRegistryOptions{DropUnexpressible: true, MaxChanges: math.MaxInt32})
		if err == nil {
			err = rep.WriteText(io.Discard)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, note := range rep.Notes() {
		if note.Table == "Class" && strings.Contains(note.Reason, "FileTypeMask has 32000 patterns") {
			kept++
		}
	}
	if kept != n {
		t.Errorf("%d classes noted for their FileTypeMask, want %d", kept, n)
	}
	if rep.NumChanges() < 3*n {
		t.Errorf("%d changes, want at least %d", rep.NumChanges(), 3*n)
	}
}
