package main

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/transform"
)

// appendCells writes what transform.JoinCells returns, long cells
// clipped the same way.
func TestAppendCellsIsJoinCells(t *testing.T) {
	for _, cells := range [][]string{
		nil,
		{""},
		{"a"},
		{"a", "", "b\tc"},
		{strings.Repeat("x", 1024), strings.Repeat("é", 600), "z"},
		{strings.Repeat("y", 5000)},
	} {
		if d := cmp.Diff(transform.JoinCells(cells), string(appendCells(nil, cells))); d != "" {
			t.Errorf("appendCells(%.40q) (-JoinCells +appendCells):\n%s", cells, d)
		}
	}
}

// A dry run's IDT diff allocates nothing per row: 20,000 changes made
// 60,000 allocations (a joined string and fmt's boxing per line) when each
// line went through transform.JoinCells and fmt.Fprintf.
func TestWriteIDTDiffAllocatesLittlePerRow(t *testing.T) {
	const n = 20000
	rep := &transform.Report{Pass: "class-to-registry"}
	for i := range n {
		k := strconv.Itoa(i)
		rep.AddChange(transform.Change{Op: transform.OpRemove, Table: "Class", Old: []string{"{" + k + "}", "LocalServer32", "Comp" + k}})
		rep.AddChange(transform.Change{Op: transform.OpAdd, Table: "Registry", New: []string{"reg" + k, "2", `CLSID\{` + k + `}`, "", "", "Comp" + k}})
	}
	var buf bytes.Buffer
	writeIDTDiff(&buf, rep)
	if got := strings.Count(buf.String(), "\n-{"); got != n {
		t.Fatalf("%d removed Class rows in the diff, want %d", got, n)
	}
	allocs := testing.AllocsPerRun(3, func() { writeIDTDiff(io.Discard, rep) })
	if allocs > n/10 {
		t.Errorf("writeIDTDiff of %d changes: %.0f allocations, want at most %d", 2*n, allocs, n/10)
	}
}
