package classreg

import (
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// classesOfOneLongCLSID returns an Input of n Class rows of one pooled
// CLSID of a kilobyte, each of a context of its own.
func classesOfOneLongCLSID(n int) *Input {
	clsid := "{" + strings.Repeat("c", 1000) + "}"
	in := &Input{}
	for i := range n {
		in.Classes = append(in.Classes, ClassRow{CLSID: clsid, Context: fmt.Sprintf("c%d", i), Component: "App", Feature: "Core"})
	}
	return in
}

// TestDuplicateCLSIDNotesShared: the rows of one CLSID share the text of
// their note ("CLSID … has n Class rows (…)"), made once, not for each
// row: analyzing 20,000 rows of one pooled CLSID of a kilobyte
// allocated 33 MB, mostly notes made again (97,000 rows: 250 MB, and
// msikit audit at 294 MiB of peak RSS); 6.7 MB now.
func TestDuplicateCLSIDNotesShared(t *testing.T) {
	in := classesOfOneLongCLSID(20000)
	var p *planner
	testenv.CheckBudgetOf(t, "analyze", testenv.TimeBudget, 16<<20, func() { p = analyze(in, Options{}) })
	notes := p.plan.notes.Take()
	n := 0
	for _, note := range notes {
		if strings.Contains(note.Reason, "has 20000 Class rows") {
			n++
		}
	}
	if n != 20000 {
		t.Errorf("%d notes of the CLSID's rows, want 20000", n)
	}
}
