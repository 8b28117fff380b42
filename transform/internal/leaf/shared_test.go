package leaf

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform/internal/edit"
)

// sharedMaskPackage returns testdata/sample.msi with n more Class rows of
// component ComServer in feature Core, all sharing one 64 KiB pooled
// FileTypeMask (the scaled hostile fixture msi-class-filetypemask.msi
// holds 65,000 of them).
func sharedMaskPackage(t testing.TB, n int) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	mask := strings.TrimSuffix(strings.Repeat("a;", 32000), ";")
	// The standard FileTypeMask column holds 255 characters.
	rebuildTable(t, db, "Class", "FileTypeMask", func(cols []msi.Column) [][]msi.Value {
		var rows [][]msi.Value
		for i := 0; i < n; i++ {
			vals := make([]msi.Value, len(cols))
			for j, c := range cols {
				switch c.Name {
				case "CLSID":
					vals[j] = msi.StrValue(fmt.Sprintf("{00000000-0000-0000-0000-%012d}", i))
				case "Context":
					vals[j] = msi.StrValue("InprocServer32")
				case "Component_":
					vals[j] = msi.StrValue("ComServer")
				case "FileTypeMask":
					vals[j] = msi.StrValue(mask)
				case "Feature_":
					vals[j] = msi.StrValue("Core")
				}
			}
			rows = append(rows, vals)
		}
		return rows
	})
	var out bytes.Buffer
	if _, err := db.Write(&out, &msi.WriteOptions{Compact: true, DropSignature: true}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Thousands of entry points sharing a long pooled cell cost the pass a
// small constant each, in what it allocates and in what its report keeps:
// no copy of the row per group and per planned change, one elided text
// and one reason for all of them.
func TestRunSharedLongCell(t *testing.T) {
	const n = 20000
	data := sharedMaskPackage(t, n)
	open := func() *msi.Database {
		db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	// Opening and updating the rows (msi's share) are measured apart and
	// subtracted, so that the budget is the pass's own.
	var log *edit.Log
	_, base := testenv.Measure(func() { open() })
	testenv.CheckBudgetOf(t, "leaf-features on 20,000 Class rows sharing one 64 KiB FileTypeMask", testenv.TimeBudget, base+n*perRowAlloc, func() {
		var err error
		if log, err = Run(open(), Options{}); err != nil {
			t.Fatal(err)
		}
	})
	updates := 0
	for _, c := range log.Changes {
		if c.Op == edit.Update && c.Table == "Class" && strings.HasPrefix(c.Key[0], "{00000000-") {
			updates++
			const elided = "…(63999 bytes, unchanged)"
			if !slices.Contains(c.Old, elided) || !slices.Contains(c.New, elided) {
				t.Fatalf("update of %v: FileTypeMask not shown as %q:\n%.200q\n%.200q", c.Key, elided, c.Old, c.New)
			}
		}
	}
	if updates != n {
		t.Fatalf("%d Class rows repointed, want %d", updates, n)
	}

	// What the report keeps: measured with the database gone.
	var ms runtime.MemStats
	log = nil
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	log, err := Run(open(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if kept := int64(ms.HeapAlloc) - int64(before); kept > n*perRowKept {
		t.Errorf("the report of %d repointed rows keeps %d bytes (%d a row), budget %d a row", n, kept, kept/n, perRowKept)
	}
	runtime.KeepAlive(log)
}

// Budgets of TestRunSharedLongCell per Class row. When the pass copied
// each entry into its group and its plan, read rows through a []Value and
// copied each report row twice to elide its long cell, it allocated 5.5
// KB a row beyond opening the package, and its report kept 610 bytes; it
// allocates 2.6 KB (most of it msi's Table.Update) and keeps 546 bytes now.
const (
	perRowAlloc = 3600
	perRowKept  = 600
)

// BenchmarkRunSharedLongCell is leaf-features on 5,000 Class rows sharing
// one 64 KiB FileTypeMask (opening the package included).
func BenchmarkRunSharedLongCell(b *testing.B) {
	data := sharedMaskPackage(b, 5000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Run(db, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadInputKeepsNoRowText checks what readInput keeps per entry
// point: the fields the plan reads, not the whole row as text, which
// only the rows the pass changes (at most MaxChanges) need. A package
// of 460,000 PublishComponent rows held 37 MB of row text that way
// before the pass found it over MaxChanges. Nor its key as text: an
// Entry also held its table's name and columns, 144 bytes, and each its
// key (three strings of a Class row) made whether a note or a change
// named it or not: 202 bytes an entry point kept, 49 since an Entry
// points to its table's source and the key is read when it is needed.
func TestReadInputKeepsNoRowText(t *testing.T) {
	const n = 5000
	data := sharedMaskPackage(t, n)
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	// The tables decoded first, so that only what readInput keeps counts.
	if _, err := readInput(db, &edit.Log{}, nil, nil); err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	r, err := readInput(db, &edit.Log{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	kept := int64(ms.HeapAlloc) - int64(before)
	if len(r.in.Entries) < n {
		t.Fatalf("%d entries, want at least %d", len(r.in.Entries), n)
	}
	// An Entry is 48 bytes (it held 144, and its key three strings,
	// and its row as text 13 more: ~420 bytes).
	if per := kept / int64(len(r.in.Entries)); per > 80 {
		t.Errorf("readInput keeps %d bytes an entry point, budget 80", per)
	}
	runtime.KeepAlive(r)
	runtime.KeepAlive(db)
}

// Entry points naming one long feature and one long component (pooled
// texts) are grouped by the two names, and their feature's conditions
// looked up, without hashing the texts once per entry point: 5,000 of
// them naming two 2 MiB texts hashed 20 GB (2 s).
func TestPlanSharedLongGroup(t *testing.T) {
	feature := strings.Repeat("F", 2<<20)
	component := strings.Repeat("C", 2<<20)
	in := &Input{
		Features:          []Feature{feat("Complete", "", 1, 0), feat(feature, "Complete", 1, 0)},
		FeatureComponents: []FeatureComponent{{feature, component}, {feature, "Other"}},
		Components:        []string{component, "Other"},
	}
	for i := range 9 { // more than a small map holds: lookups hash
		in.Features = append(in.Features, feat(fmt.Sprintf("F%d", i), "Complete", 1, 0))
		in.Conditions = append(in.Conditions, Condition{Feature: fmt.Sprintf("F%d", i), Level: 1, Condition: "X"})
	}
	in.Conditions = append(in.Conditions, Condition{Feature: feature, Level: 2, Condition: "Y"})
	const n = 5000
	for i := range n {
		in.Entries = append(in.Entries, EntryRow("Class", fmt.Sprintf("{C%d}", i), component, feature))
	}
	var plan *Plan
	testenv.CheckBudget(t, "plan 5,000 entry points naming one 2 MiB feature and component", func() {
		plan = makePlan(in, Options{}, &edit.Log{})
	})
	moved := 0
	for range repoints(plan) {
		moved++
	}
	if len(plan.Features) != 1 || moved != n || len(plan.Conditions) != 1 {
		t.Errorf("%d leaves, %d repoints, %d conditions copied; want 1, %d, 1", len(plan.Features), moved, len(plan.Conditions), n)
	}
}

// An update's Key is the first cells of its Old only when none of them
// is elided: a key cell longer than edit.MaxUnchangedCell is shown
// elided in Old and New (the update leaves it unchanged), and whole in
// Key, as the report's key of a row always is.
func TestUpdateOfLongKeyCell(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	const clsid = "{00000000-0000-0000-0000-000000000001}"
	context := strings.Repeat("c", 2000)
	rebuildTable(t, db, "Class", "Context", func(cols []msi.Column) [][]msi.Value {
		vals := make([]msi.Value, len(cols))
		for j, c := range cols {
			switch c.Name {
			case "CLSID":
				vals[j] = msi.StrValue(clsid)
			case "Context":
				vals[j] = msi.StrValue(context)
			case "Component_":
				vals[j] = msi.StrValue("ComServer")
			case "Feature_":
				vals[j] = msi.StrValue("Core")
			}
		}
		return [][]msi.Value{vals}
	})
	log, err := Run(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []edit.Change
	for _, c := range log.Changes {
		if c.Table == "Class" && c.Key[0] == clsid {
			got = append(got, c)
		}
	}
	const elided = "…(2000 bytes, unchanged)"
	old := []string{clsid, elided, "ComServer", "", "", "", "", "", "", "", "", "Core", ""}
	updated := slices.Clone(old)
	updated[11] = "Core_ComServer"
	want := []edit.Change{{Op: edit.Update, Table: "Class", Key: []string{clsid, context, "ComServer"},
		Old: old, New: updated, Reason: "Feature_ Core → Core_ComServer"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("update of the class with a long Context (-want +got):\n%s", diff)
	}
}
