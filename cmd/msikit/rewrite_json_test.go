package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/jsonindent"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/transform"
)

// writeRewriteJSON writes what json.Encoder with SetIndent("", "  ")
// writes, byte for byte, for results with and without passes, changes
// and notes (nil, empty, and with text JSON escapes).
func TestWriteRewriteJSON(t *testing.T) {
	// writeReportJSON writes transform.Report's fields by hand: a field
	// added to Report must be added there too.
	if n := reflect.TypeFor[transform.Report]().NumField(); n != 3 {
		t.Fatalf("transform.Report has %d fields; writeReportJSON writes 3", n)
	}
	full := reportOf("leaf-features",
		transform.Change{Op: transform.OpUpdate, Table: "Class", Key: []string{"{C}", "<ctx>"}, Old: []string{"a&b", "…(63999 bytes, unchanged)"}, New: []string{"a\"b", "\x01"}, Reason: "Feature_ Core → Core_X"},
		transform.Change{Op: transform.OpAdd, Table: "Feature", Key: []string{"F"}, New: []string{"F", ""}},
	)
	full.AddNote(transform.Note{Severity: transform.Warning, Table: "Class", Key: []string{"k"}, Reason: "why\nnot"})
	full.AddNote(transform.Note{Severity: transform.Info, Reason: "r"})
	tests := []struct {
		name string
		sum  *rewriteSummary
	}{
		{"no packages", &rewriteSummary{}},
		{"empty packages", &rewriteSummary{Packages: []*rewriteResult{}}},
		{"failed", &rewriteSummary{Packages: []*rewriteResult{{Input: "a.msi", Error: "a.msi: bad"}}, Failed: 1}},
		{"passes", &rewriteSummary{Packages: []*rewriteResult{
			{Input: "a.msi", Output: "b.msi", OK: true, Changes: 2, Warnings: []string{"w"}, Passes: []*transform.Report{
				full,
				{Pass: "empty"},
				{Pass: "nil"},
				nil,
			}, Validation: &validationReport{}},
			{Input: "c.msi", OK: true, Transform: true, NotInTransform: []string{"x"}, Passes: []*transform.Report{}},
		}, Succeeded: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			if err := enc.Encode(tt.sum); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := writeRewriteJSON(&got, tt.sum); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want.String(), got.String()); d != "" {
				t.Errorf("writeRewriteJSON differs from json.Encoder (-want +got):\n%s", d)
			}
		})
	}
}

// The JSON report clips cells over 1 KiB as the text report does: 2,000
// rows naming one pooled 1 MiB component are a few hundred bytes each,
// not 12 GB in all.
func TestWriteRewriteJSONClipsLongCells(t *testing.T) {
	text := strings.Repeat("C", 1<<20)
	r := &transform.Report{Pass: "leaf-features"}
	r.AddNote(transform.Note{Severity: transform.Info, Table: "FeatureComponents", Key: []string{"F", text}, Reason: "r"})
	for range 2000 {
		r.AddChange(transform.Change{Op: transform.OpRemove, Table: "FeatureComponents", Key: []string{"F", text}, Old: []string{"F", text}})
	}
	sum := &rewriteSummary{Packages: []*rewriteResult{{Input: "a.msi", OK: true, DryRun: true, Passes: []*transform.Report{r}}}, Succeeded: 1}
	var got bytes.Buffer
	if err := writeRewriteJSON(&got, sum); err != nil {
		t.Fatal(err)
	}
	if got.Len() > 2001*1000 {
		t.Fatalf("JSON report of 2,001 rows naming a 1 MiB text is %d bytes", got.Len())
	}
	var back rewriteSummary
	if err := json.Unmarshal(got.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	want := []string{"F", strings.Repeat("C", 120) + "…(1048576 bytes)"}
	if diff := cmp.Diff(want, back.Packages[0].Passes[0].Change(0).Old); diff != "" {
		t.Errorf("Old of a change (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, back.Packages[0].Passes[0].Note(0).Key); diff != "" {
		t.Errorf("Key of a note (-want +got):\n%s", diff)
	}
}

// reportOfRows returns a pass's report of n changes and n notes whose
// cells are short, as the preview of thousands of classes has them.
func reportOfRows(n int) *transform.Report {
	r := &transform.Report{Pass: "class-to-registry"}
	for i := range n {
		key := []string{fmt.Sprintf("{%08X-0000-0000-0000-000000000000}", i), "LocalServer32"}
		r.AddChange(transform.Change{Op: transform.OpAdd, Table: "Registry", Key: key[:1],
			New: []string{key[0], "0", `CLSID\` + key[0] + `\` + key[1], "", "[#app.exe]", "App"}, Reason: "from Class " + key[0] + " <local>"})
		r.AddNote(transform.Note{Severity: transform.Warning, Table: "Class", Key: key, Reason: "the FileTypeMask & its patterns stay advertised"})
	}
	return r
}

// writeReportJSON writes a change or a note with a few allocations,
// whatever its cells: through their MarshalJSON, encoding/json marshalled
// each one and then checked and indented its bytes again, about 15
// allocations a row (and two thirds of audit --json's time on the
// preview of a package of classes).
func TestWriteReportJSONAllocatesLittlePerRow(t *testing.T) {
	const n = 1000
	r := reportOfRows(n)
	w := bufio.NewWriter(io.Discard)
	allocs := testing.AllocsPerRun(5, func() {
		if err := writeReportJSON(w, "    ", r); err != nil {
			t.Fatal(err)
		}
	})
	if perRow := allocs / (2 * n); perRow > 2 {
		t.Errorf("writeReportJSON: %.1f allocations per change or note, want at most 2", perRow)
	}
}

// writeReportJSON clips a long cell that many rows share once, and so
// writes its rows with as few allocations as rows of short cells: each
// row made its own clipped copy of the text (and a copy of its cells),
// which the encoder, remembering strings by address, escaped again
// (40,000 classes of one component named by a 512 KiB pooled text: 80
// MB more allocated by audit --json). The text is clipped as before.
func TestWriteReportJSONClipsSharedTextOnce(t *testing.T) {
	const n = 1000
	long := strings.Repeat("C", 4096)
	r := &transform.Report{Pass: "class-to-registry"}
	for i := range n {
		key := []string{fmt.Sprintf("{%08X-0000-0000-0000-000000000000}", i), "InprocServer32", long}
		r.AddChange(transform.Change{Op: transform.OpRemove, Table: "Class", Key: key, Old: []string{key[0], key[1], long, "F"}, Reason: "converted to Registry rows"})
		r.AddNote(transform.Note{Severity: transform.Warning, Table: "Class", Key: key, Reason: "a note"})
	}
	w := bufio.NewWriter(io.Discard)
	allocs := testing.AllocsPerRun(5, func() {
		if err := writeReportJSON(w, "    ", r); err != nil {
			t.Fatal(err)
		}
	})
	if perRow := allocs / (2 * n); perRow > 1 {
		t.Errorf("writeReportJSON: %.1f allocations per change or note naming one long text, want at most 1", perRow)
	}
	var got bytes.Buffer
	bw := bufio.NewWriter(&got)
	if err := writeReportJSON(bw, "", r); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	var back struct {
		Changes []transform.Change `json:"changes"`
		Notes   []transform.Note   `json:"notes"`
	}
	if err := json.Unmarshal(got.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	clipped := strings.Repeat("C", 120) + "…(4096 bytes)"
	for i, c := range back.Changes {
		want := []string{fmt.Sprintf("{%08X-0000-0000-0000-000000000000}", i), "InprocServer32", clipped}
		if diff := cmp.Diff(want, c.Key); diff != "" {
			t.Fatalf("Key of change %d (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff([]string{want[0], want[1], clipped, "F"}, c.Old); diff != "" {
			t.Fatalf("Old of change %d (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff(want, back.Notes[i].Key); diff != "" {
			t.Fatalf("Key of note %d (-want +got):\n%s", i, diff)
		}
	}
	if len(back.Changes) != n || len(back.Notes) != n {
		t.Fatalf("%d changes and %d notes written, want %d of each", len(back.Changes), len(back.Notes), n)
	}
}

// BenchmarkWriteReportJSON writes rewrite --json's report of 1,000
// changes and 1,000 notes (reportOfRows) to a counter: the cost per row
// of the JSON report, without the passes.
func BenchmarkWriteReportJSON(b *testing.B) {
	r := reportOfRows(1000)
	var c jsonindent.Counter
	w := bufio.NewWriter(&c)
	if err := writeReportJSON(w, "    ", r); err != nil {
		b.Fatal(err)
	}
	w.Flush()
	b.SetBytes(c.N)
	b.ReportAllocs()
	for b.Loop() {
		if err := writeReportJSON(w, "    ", r); err != nil {
			b.Fatal(err)
		}
	}
}

// writeRewriteJSON writes sum as rewrite --json writes its report, a
// package at a time (jsonBatch), for comparison with json.Encoder.
func writeRewriteJSON(w io.Writer, sum *rewriteSummary) error {
	if sum.Packages == nil {
		_, err := fmt.Fprintf(w, "{\n  \"packages\": null,\n  \"succeeded\": %d,\n  \"failed\": %d\n}\n", sum.Succeeded, sum.Failed)
		return err
	}
	j := newJSONBatch(w, writeResultJSON)
	for _, r := range sum.Packages {
		j.add(r)
	}
	return j.end(jsonCount{"succeeded", sum.Succeeded}, jsonCount{"failed", sum.Failed})
}

// reportOf returns the report of pass with changes.
func reportOf(pass string, changes ...transform.Change) *transform.Report {
	r := &transform.Report{Pass: pass}
	for _, c := range changes {
		r.AddChange(c)
	}
	return r
}

// rewrite --dry-run writes each note's line as fmt wrote it, its key's
// cells clipped, and without making the line's texts: the 650,000 notes
// of msi-mime-rows-one-long-text.msi, each quoting its MIME row's 480 KiB
// key, made a clipped key, a joined key and three formatted texts each.
// Measured on these 20,000 notes: 515 bytes allocated a note before, 19
// now (the Key of each, which Report.Notes gives in slabs).
func TestWriteIDTDiffNotes(t *testing.T) {
	long := strings.Repeat("K", 480<<10)
	r := &transform.Report{Pass: "class-to-registry"}
	notes := []transform.Note{
		{Severity: transform.Warning, Table: "MIME", Key: []string{long}, Reason: "left alone: extension is not in the Extension table"},
		{Severity: transform.Info, Table: "Class", Key: []string{"{X}", "LocalServer32", "é"}, Reason: "kept"},
		{Severity: transform.Warning, Reason: "no table"},
		{Severity: "other", Table: "T", Key: []string{}, Reason: ""},
	}
	var want bytes.Buffer
	for _, n := range notes {
		r.AddNote(n)
		fmt.Fprintf(&want, "# %s: %s", r.Pass, n.Severity)
		if n.Table != "" {
			fmt.Fprintf(&want, " %s [%s]", n.Table, transform.JoinCells(n.Key))
		}
		fmt.Fprintf(&want, " %s\n", n.Reason)
	}
	var got bytes.Buffer
	writeIDTDiff(&got, r)
	if diff := cmp.Diff(want.String(), got.String()); diff != "" {
		t.Errorf("writeIDTDiff (-fmt +got):\n%s", diff)
	}

	const n = 20000
	many := &transform.Report{Pass: "class-to-registry"}
	for range n {
		many.AddNote(notes[0])
	}
	w := bufio.NewWriter(io.Discard)
	_, alloc := testenv.Measure(func() {
		writeIDTDiff(w, many)
		w.Flush()
	})
	per := float64(alloc) / n
	t.Logf("writeIDTDiff of %d notes quoting a %d-byte key: %.0f bytes allocated a note", n, len(long), per)
	if per > 40 {
		t.Errorf("writeIDTDiff allocated %.0f bytes a note quoting a %d-byte key, budget 40", per, len(long))
	}
}
