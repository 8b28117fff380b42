package transform

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/darwin"
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
	for _, ep := range rep.EntryPoints() {
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

// replaceRows recreates table name of db with its string columns of any
// length, holding rows alone.
func replaceRows(t testing.TB, db *msi.Database, name string, rows ...[]msi.Value) {
	t.Helper()
	old, err := db.Table(name)
	if err != nil {
		t.Fatal(err)
	}
	cols := old.Columns()
	for i := range cols {
		cols[i].Size = 0
	}
	if err := db.DropTable(name); err != nil {
		t.Fatal(err)
	}
	tab, err := db.CreateTable(name, cols)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := tab.Insert(r...); err != nil {
			t.Fatal(err)
		}
	}
}

// The notes of PackageIndex.Descriptor quote a name of the package over
// clip.Max clipped: a package whose only feature was named by a 60,000-byte
// text printed it whole for each descriptor (descriptor decode --package
// of 10,000 descriptors, 420 KB, wrote 610 MB).
func TestPackageIndexDescriptorClipsNames(t *testing.T) {
	db := openSample(t)
	long := strings.Repeat("F", 60000)
	replaceRows(t, db, "Feature", []msi.Value{msi.StrValue(long), {}, {}, {}, msi.IntValue(2), msi.IntValue(1), {}, msi.IntValue(0)})
	replaceRows(t, db, "FeatureComponents", []msi.Value{msi.StrValue(long), msi.StrValue("App")})
	x, err := NewPackageIndex(saveReopen(t, db))
	if err != nil {
		t.Fatal(err)
	}
	const product, comServer = "{06D83F77-1CB2-5C83-5361-FE484B11B8CA}", "{E4BFE2CF-1830-9FC5-8D47-43532C99CAFB}"
	got := x.Descriptor(darwin.Descriptor{Product: product, Component: comServer})
	want := []string{
		"no feature: the package's only feature is " + clip.String(long),
		x.Feature(long),
		x.Component(comServer),
		"the component is not in feature " + clip.String(long),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Descriptor (-want +got):\n%s", diff)
	}
	for _, s := range got {
		if len(s) > 4*clip.Max {
			t.Errorf("a note of %d bytes: %.200q…", len(s), s)
		}
	}
}

// Descriptors of rows sharing one long pooled text share its clipped
// form: 300 verbs of .synth naming one 60 KB Argument and 300 classes
// naming it as their Context hold one clipped argument, one command
// line (data) and one clipped context between them, not one each (they
// were 340 bytes or more a row, 15 MB of a 4.8 MB package's audit).
func TestAuditSharedLongDescriptorTextsOnce(t *testing.T) {
	db := openSample(t)
	long := strings.Repeat("ab", 30000)
	verbs, err := db.Table("Verb")
	if err != nil {
		t.Fatal(err)
	}
	classes, err := db.Table("Class")
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	for i := range n {
		if err := verbs.Insert(msi.StrValue("synth"), msi.StrValue(fmt.Sprintf("v%d", i)), msi.IntValue(1), msi.StrValue("x"), msi.StrValue(long)); err != nil {
			t.Fatal(err)
		}
		if err := classes.Insert(msi.StrValue(fmt.Sprintf("{%08X-0000-0000-0000-000000000000}", i)), msi.StrValue(long), msi.StrValue("ComServer"),
			msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, msi.StrValue("Core"), msi.Value{}); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Audit(saveReopen(t, db), AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The distinct bytes (not contents) of the texts quoting the shared
	// text, by field.
	held := map[string]map[*byte]bool{"Args": {}, "Data": {}, "Value": {}}
	quoted := map[string]int{}
	for _, ep := range rep.EntryPoints() {
		for _, d := range ep.Descriptors {
			for field, s := range map[string]string{"Args": d.Args, "Data": d.Data, "Value": d.Value} {
				if strings.Contains(s, "abab") {
					held[field][unsafe.StringData(s)] = true
					quoted[field]++
				}
			}
		}
	}
	got := map[string]int{}
	for field, ptrs := range held {
		got[field] = len(ptrs)
	}
	if diff := cmp.Diff(map[string]int{"Args": 1, "Data": 1, "Value": 1}, got); diff != "" {
		t.Errorf("distinct copies of the clipped text (-want +got), of %v quotes:\n%s", quoted, diff)
	}
	if quoted["Args"] < n || quoted["Value"] < n {
		t.Errorf("quotes %v, want at least %d verb arguments and class contexts", quoted, n)
	}
}
