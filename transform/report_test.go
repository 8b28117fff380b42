package transform

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/clip"
)

// A report's text quotes rows whole, bar cells longer than 1 KiB: 2,000
// rows naming one pooled 1 MiB component print a line of a few hundred
// bytes each, not 2 GB.
func TestWriteTextClipsLongCells(t *testing.T) {
	text := strings.Repeat("C", 1<<20)
	r := &Report{Pass: "leaf-features"}
	for range 2000 {
		r.AddChange(Change{Op: OpRemove, Table: "FeatureComponents", Key: []string{"F", text}, Old: []string{"F", text}})
	}
	r.AddNote(Note{Severity: Info, Table: "FeatureComponents", Key: []string{"F", text}, Reason: "note"})
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if b.Len() > 2001*300 {
		t.Errorf("report text of 2,001 rows naming a 1 MiB text is %d bytes", b.Len())
	}
	first, _, _ := strings.Cut(b.String(), "\n")
	want := "leaf-features: remove FeatureComponents [F\t" + strings.Repeat("C", 120) + "…(1048576 bytes)]"
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("first line (-want +got):\n%s", diff)
	}
	short := reportOf("p", Change{Op: OpAdd, Table: "T", Key: []string{"k"}, New: []string{"k", "v"}, Reason: "why"})
	b.Reset()
	if err := short.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("p: add    T [k\tv] (why)\n", b.String()); diff != "" {
		t.Errorf("short rows (-want +got):\n%s", diff)
	}
}

// WriteText writes each change and note as fmt would format it ("%s:
// %-6s %s [%s]" and so on), for every kind of change and note, with and
// without a table, a reason and long cells.
func TestWriteTextLines(t *testing.T) {
	long := strings.Repeat("L", 1500)
	r := reportOf("class-to-registry",
		Change{Op: OpAdd, Table: "Registry", Key: []string{"r"}, New: []string{"r", "0", `CLSID\{X}`, "", "v", "C"}, Reason: "Class {X}"},
		Change{Op: OpRemove, Table: "Class", Key: []string{"{X}"}, Old: []string{"{X}", long, ""}},
		Change{Op: OpUpdate, Table: "Feature", Key: []string{"F"}, Old: []string{"F", "1"}, New: []string{"F", "2"}, Reason: "é"},
		Change{Op: OpAdd, Table: "", New: nil},
	)
	for _, n := range []Note{
		{Severity: Info, Table: "Registry", Key: []string{"a", long}, Reason: "kept"},
		{Severity: Warning, Reason: "no table"},
		{Severity: Warning, Table: "T", Reason: ""},
		{Severity: "other", Table: "T", Key: []string{}, Reason: "kept"},
	} {
		r.AddNote(n)
	}
	// The text the fmt formatting of before gave (JoinCells was
	// strings.Join of the clipped cells).
	joinCells := func(row []string) string { return strings.Join(clip.Strings(row), "\t") }
	var want strings.Builder
	for _, c := range r.Changes() {
		row := c.New
		if c.Op == OpRemove {
			row = c.Old
		}
		fmt.Fprintf(&want, "%s: %-6s %s [%s]", r.Pass, c.Op, c.Table, joinCells(row))
		if c.Reason != "" {
			fmt.Fprintf(&want, " (%s)", c.Reason)
		}
		want.WriteByte('\n')
	}
	for _, n := range r.Notes() {
		fmt.Fprintf(&want, "%s: %-7s", r.Pass, n.Severity)
		if n.Table != "" {
			fmt.Fprintf(&want, " %s [%s]", n.Table, joinCells(n.Key))
		}
		fmt.Fprintf(&want, " %s\n", n.Reason)
	}
	var got bytes.Buffer
	if err := r.WriteText(&got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.String(), got.String()); diff != "" {
		t.Errorf("WriteText (-want +got):\n%s", diff)
	}
}

// BenchmarkReportWriteText writes the text of 10,000 Registry rows
// added and 5,000 notes: the report msikit rewrite prints.
func BenchmarkReportWriteText(b *testing.B) {
	r := &Report{Pass: "class-to-registry"}
	for i := range 10000 {
		id := fmt.Sprintf("reg%032d", i)
		r.AddChange(Change{Op: OpAdd, Table: "Registry", Key: []string{id},
			New: []string{id, "0", `CLSID\{FDA36073-66C4-5C98-5F70-99959F7B05AA}\InprocServer32`, "", "[#comserver.dll]", "ComServer"}, Reason: "Class {FDA36073-66C4-5C98-5F70-99959F7B05AA} InprocServer32"})
	}
	for range 5000 {
		r.AddNote(Note{Severity: Warning, Table: "Class", Key: []string{"{00000000-0000-0000-0000-000000000000}", "InprocServer32", "ComServer"}, Reason: "dropped the FileType values"})
	}
	var n countWriter
	if err := r.WriteText(&n); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if err := r.WriteText(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// countWriter counts the bytes written to it.
type countWriter int

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

// reportOf returns the report of pass with changes.
func reportOf(pass string, changes ...Change) *Report {
	r := &Report{Pass: pass}
	for _, c := range changes {
		r.AddChange(c)
	}
	return r
}
