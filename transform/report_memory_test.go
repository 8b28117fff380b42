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

// A report holds its notes compactly too, and a pass's notes go
// straight into it: the 780,000 notes of assembly-names on the 390,000
// MsiAssembly rows of msi-assembly-rows-one-long-component.msi (two a
// row: no file read, no processorArchitecture) were held as Notes of
// 72 bytes plus a Key array, in the pass's log (a slice grown by
// append: the old array and the new at once) and again in the Report,
// and took every msikit rewrite and audit of the package past 200 MiB
// of peak RSS. Measured on these 40,000 notes (each component's name
// in one of its reasons, written out): held 120 bytes a note and
// allocated 722 before, 68 and 353 now.
func TestReportHeldPerNote(t *testing.T) {
	const n = 20000
	db := openSample(t)
	var asms [][]msi.Value
	for i := range n {
		asms = append(asms, []msi.Value{msi.StrValue(fmt.Sprintf("A%d", i)), msi.StrValue("Core"), msi.Null, msi.Null, msi.IntValue(0)})
	}
	replaceRows(t, db, "MsiAssembly", asms...)
	var rep *Report
	_, alloc := testenv.Measure(func() {
		var err error
		if rep, err = AssemblyNames(db, AssemblyNamesOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	notes := rep.NumNotes()
	if notes < 2*n {
		t.Fatalf("%d notes on %d assemblies whose files are not read, want at least %d", notes, n, 2*n)
	}
	held := testenv.FreedBytes(func() { rep = nil })
	perNote, allocPerNote := float64(held)/float64(notes), float64(alloc)/float64(notes)
	t.Logf("assembly-names made %d notes: the report held %d bytes (%.0f a note), the pass allocated %d (%.0f a note)", notes, held, perNote, alloc, allocPerNote)
	if perNote > 85 {
		t.Errorf("the report held %.0f bytes a note, budget 85", perNote)
	}
	if allocPerNote > 500 {
		t.Errorf("assembly-names allocated %.0f bytes a note, budget 500", allocPerNote)
	}
}

// ClassToRegistry's plan gives its notes straight to the report: the
// 650,000 MIME rows of msi-mime-rows-one-long-text.msi, each left alone
// with a note, were held as Notes in the plan's chunks beside its Input
// (47 MB) until the plan was made, and the report's index of its notes
// was grown by append. Measured on these 20,000 rows: the pass
// allocated 477 bytes a row before the report held its notes compactly,
// 464 after, 322 now.
func TestMIMENotesAllocatePerRow(t *testing.T) {
	const n = 20000
	db := openSample(t)
	mime, err := db.Table("MIME")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("K", 24<<10)
	for i := range n {
		if err := mime.Insert(msi.StrValue(fmt.Sprintf("t/%d", i)), msi.StrValue(long), msi.Null); err != nil {
			t.Fatal(err)
		}
	}
	var rep *Report
	_, alloc := testenv.Measure(func() {
		if rep, err = ClassToRegistry(db, ClassToRegistryOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	if rep.NumNotes() < n {
		t.Fatalf("%d notes for %d MIME rows left alone", rep.NumNotes(), n)
	}
	per := float64(alloc) / n
	t.Logf("%d MIME rows: ClassToRegistry allocated %.0f bytes a row", n, per)
	if per > 380 {
		t.Errorf("ClassToRegistry allocated %.0f bytes a MIME row, budget 380", per)
	}
}

// WriteText clips a long cell without making the clipped text: each of
// the 650,000 notes of msi-mime-rows-one-long-text.msi quotes the 480
// KiB text its MIME row's key is, and the text made a clipped copy of
// it for each (83 MB of garbage). Measured on these 20,000 notes: 152
// bytes allocated a note before, none now.
func TestWriteTextAllocatesNothingPerLongCell(t *testing.T) {
	const n = 20000
	long := strings.Repeat("K", 480<<10)
	r := &Report{Pass: "class-to-registry"}
	for range n {
		r.AddNote(Note{Severity: Warning, Table: "MIME", Key: []string{long}, Reason: "left alone: extension is not in the Extension table"})
	}
	var text countWriter
	_, alloc := testenv.Measure(func() {
		if err := r.WriteText(&text); err != nil {
			t.Fatal(err)
		}
	})
	per := float64(alloc) / n
	t.Logf("WriteText of %d notes quoting a %d-byte key: %d bytes of text, %.0f bytes allocated a note", n, len(long), text, per)
	if per > 8 {
		t.Errorf("WriteText allocated %.0f bytes a note, budget 8", per)
	}
}

// A change's reason longer than longReason is held once, however many
// changes name it, even changes far apart: in
// msi-owners-of-one-long-component.msi each of 40,000 registry-only
// components is added with a reason of about 230 bytes (its feature
// and the clipped name of the component it stands beside), and its
// FeatureComponents row 40,000 changes later with the same reason,
// which the report copied twice (150 MB live at the peak of msikit
// rewrite --dry-run, 143 MB since). Measured on these 20,000 changes:
// the report held 257 bytes a change before, 65 now.
func TestReportHoldsSharedReasonsOnce(t *testing.T) {
	const n = 10000
	pad := strings.Repeat("x", 200)
	reasons := make([]string, n)
	for i := range reasons {
		reasons[i] = fmt.Sprintf("registry-only component %d: %s", i, pad)
	}
	r := &Report{}
	for _, table := range []string{"Component", "FeatureComponents"} {
		for i, reason := range reasons {
			k := fmt.Sprintf("reg%d", i)
			r.AddChange(Change{Op: OpAdd, Table: table, Key: []string{k}, New: []string{k, "F"}, Reason: reason})
		}
	}
	// The reasons are the pass's and live on beside the report; what
	// the report holds of its own is measured.
	held := testenv.FreedBytes(func() { r = nil })
	per := float64(held) / (2 * n)
	t.Logf("%d changes naming %d reasons of %d bytes: the report held %d bytes, %.0f a change", 2*n, n, len(reasons[0]), held, per)
	if per > 120 {
		t.Errorf("the report held %.0f bytes a change, budget 120", per)
	}
	if len(reasons) != n {
		t.Fatal("reasons lost") // keeps the reasons alive past the measure
	}
}
