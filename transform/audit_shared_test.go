package transform

import (
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// sharedLongClasses returns the sample with n more Class rows whose
// Component_ and Feature_ cells name one pooled text of size bytes (the
// columns widened to hold it), saved and opened again.
func sharedLongClasses(t testing.TB, n, size int) *msi.Database {
	t.Helper()
	db := openSample(t)
	old, err := db.Table("Class")
	if err != nil {
		t.Fatal(err)
	}
	cols := old.Columns()
	var rows [][]msi.Value
	for r := range old.Rows() {
		rows = append(rows, r.Values())
	}
	for i := range cols {
		if cols[i].Name == "Component_" || cols[i].Name == "Feature_" {
			cols[i].Size = 0
		}
	}
	if err := db.DropTable("Class"); err != nil {
		t.Fatal(err)
	}
	tab, err := db.CreateTable("Class", cols)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("L", size)
	for i := range n {
		vals := make([]msi.Value, len(cols))
		for j, c := range cols {
			switch c.Name {
			case "CLSID":
				vals[j] = msi.StrValue(fmt.Sprintf("{00000000-0000-0000-0000-%012d}", i))
			case "Context":
				vals[j] = msi.StrValue("InprocServer32")
			case "Component_", "Feature_":
				vals[j] = msi.StrValue(long)
			}
		}
		rows = append(rows, vals)
	}
	for _, r := range rows {
		if err := tab.Insert(r...); err != nil {
			t.Fatal(err)
		}
	}
	return saveReopen(t, db)
}

// Entry points whose feature and component cells name one long pooled
// text are audited without hashing the text at each lookup: 2,000
// classes naming one 512 KiB text as their feature and component took
// seconds through maps keyed by the cells.
func TestAuditSharedLongCells(t *testing.T) {
	const n, size = 2000, 512 << 10
	db := sharedLongClasses(t, n, size)
	var rep *AuditReport
	testenv.CheckBudget(t, "audit 2,000 classes naming one 512 KiB text as feature and component", func() {
		var err error
		if rep, err = Audit(db, AuditOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	long := 0
	for _, ep := range rep.EntryPoints {
		if ep.Table == "Class" && len(ep.Feature) == size {
			long++
		}
	}
	if long != n {
		t.Errorf("%d Class entry points name the long feature, want %d", long, n)
	}
}

// File rows whose FileName names one long pooled text are indexed by
// their long name without splitting and hashing the text once per row:
// 2,000 rows naming one 2 MiB name took 0.5 s.
func TestPackageIndexSharedLongFileName(t *testing.T) {
	const n = 2000
	db := openSample(t)
	tab, err := db.Table("File")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("l", 2<<20)
	name := msi.StrValue("short|" + long)
	for i := range n {
		vals := make([]msi.Value, len(tab.Columns()))
		for j, c := range tab.Columns() {
			switch c.Name {
			case "File":
				vals[j] = msi.StrValue(fmt.Sprintf("f%d", i))
			case "Component_":
				vals[j] = msi.StrValue("App")
			case "FileName":
				vals[j] = name
			case "FileSize", "Sequence":
				vals[j] = msi.IntValue(1)
			}
		}
		if err := tab.Insert(vals...); err != nil {
			t.Fatal(err)
		}
	}
	db = saveReopen(t, db)
	var x *PackageIndex
	testenv.CheckBudgetOf(t, "NewPackageIndex", testenv.TimeBudget/10, testenv.HeapBudget, func() {
		if x, err = NewPackageIndex(db); err != nil {
			t.Fatal(err)
		}
	})
	if got, want := x.File(strings.ToUpper(long)), fmt.Sprintf("and %d more File rows of this name", n-maxListed); !strings.HasSuffix(got, want) {
		t.Errorf("File(the long name) = %.200q…, want it to end in %q", got, want)
	}
}
