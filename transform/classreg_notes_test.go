package transform

import (
	"strconv"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// progIDCycleDB returns the sample with n more ProgId rows in one
// ProgId_Parent cycle that no class or extension names (as in fuzz's
// msi-progid-cycle.msi): two notes a row, saved and opened again.
func progIDCycleDB(t testing.TB, n int) *msi.Database {
	t.Helper()
	db := openSample(t)
	tab, err := db.Table("ProgId")
	if err != nil {
		t.Fatal(err)
	}
	cols := tab.Columns()
	for i := range n {
		vals := make([]msi.Value, len(cols))
		for j, c := range cols {
			switch c.Name {
			case "ProgId":
				vals[j] = msi.StrValue("P" + strconv.Itoa(i))
			case "ProgId_Parent":
				vals[j] = msi.StrValue("P" + strconv.Itoa((i+1)%n))
			}
		}
		if err := tab.Insert(vals...); err != nil {
			t.Fatal(err)
		}
	}
	return saveReopen(t, db)
}

// The notes of a plan reach the Report copied once: they were copied
// from the plan's chunks into the pass's log and again into the Report,
// the three copies live at once (350,000 notes of a 176,000-row ProgId
// cycle: 75 of the 91 MB live at the peak of msikit rewrite, 155 MiB
// peak RSS; 133 MiB now). The pass allocated 1,053 bytes a row of a
// 20,000-row cycle, 909 now (the two notes' Report entries 144 of them);
// the budget is 970.
func TestClassToRegistryNotesCopiedOnce(t *testing.T) {
	const n = 20_000
	db := progIDCycleDB(t, n)
	var rep *Report
	_, alloc := testenv.Measure(func() {
		var err error
		if rep, err = ClassToRegistry(db, ClassToRegistryOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	if rep.NumNotes() < 2*n {
		t.Fatalf("%d notes on a %d-row ProgId cycle, want at least %d", rep.NumNotes(), n, 2*n)
	}
	if per := alloc / n; per > 970 {
		t.Errorf("ClassToRegistry on a %d-row ProgId cycle allocated %d bytes a row, budget 970", n, per)
	}
}
