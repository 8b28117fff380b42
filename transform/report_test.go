package transform

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A report's text quotes rows whole, bar cells longer than 1 KiB: 2,000
// rows naming one pooled 1 MiB component print a line of a few hundred
// bytes each, not 2 GB.
func TestWriteTextClipsLongCells(t *testing.T) {
	text := strings.Repeat("C", 1<<20)
	r := &Report{Pass: "leaf-features"}
	for range 2000 {
		r.Changes = append(r.Changes, Change{Op: OpRemove, Table: "FeatureComponents", Key: []string{"F", text}, Old: []string{"F", text}})
	}
	r.Notes = []Note{{Severity: Info, Table: "FeatureComponents", Key: []string{"F", text}, Reason: "note"}}
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
	short := &Report{Pass: "p", Changes: []Change{{Op: OpAdd, Table: "T", Key: []string{"k"}, New: []string{"k", "v"}, Reason: "why"}}}
	b.Reset()
	if err := short.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("p: add    T [k\tv] (why)\n", b.String()); diff != "" {
		t.Errorf("short rows (-want +got):\n%s", diff)
	}
}
