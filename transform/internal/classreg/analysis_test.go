package classreg

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// TestAnalysisAgreesWithPlan checks, on every corpus package, that the
// Analysis transform.Audit reads is the plan's: every row the plan
// removes is one the analysis says msiexec registers, every row it says
// is never registered gets a "left alone" note, and the relations it
// returns point at rows that exist.
func TestAnalysisAgreesWithPlan(t *testing.T) {
	rows := 0
	for _, f := range testenv.CorpusFiles(t) {
		if !strings.HasSuffix(f, ".msi") && !strings.HasSuffix(f, ".msm") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			db, err := msi.Open(f)
			if err != nil {
				t.Skipf("not readable: %v", err)
			}
			defer db.Close()
			a, err := Analyze(db, nil)
			if err != nil {
				if testenv.IsCorrupt(f) {
					return
				}
				t.Fatal(err)
			}
			plan := makePlan(a.Input, Options{})
			for _, r := range plan.Remove {
				if d := a.Dead(r.Table, r.Index); d != "" {
					t.Errorf("the plan removes %s %v, which the analysis says is never registered: %s", r.Table, r.Ref.Key, d)
				}
			}
			noted := map[string]bool{}
			for _, n := range plan.Notes {
				if strings.HasPrefix(n.Reason, "left alone: ") {
					noted[n.Table+"\x00"+strings.Join(n.Key, "\x00")] = true
				}
			}
			in := a.Input
			for _, tc := range []struct {
				table string
				n     int
			}{{TableClass, len(in.Classes)}, {TableProgID, len(in.ProgIDs)}, {TableAppID, len(in.AppIDs)},
				{TableExtension, len(in.Extensions)}, {TableVerb, len(in.Verbs)}, {TableMIME, len(in.MIMEs)}} {
				for i := 0; i < tc.n; i++ {
					rows++
					if a.Dead(tc.table, i) != "" && !noted[tc.table+"\x00"+strings.Join(a.Key(tc.table, i), "\x00")] {
						t.Errorf("%s %v is never registered (%s) but has no left-alone note", tc.table, a.Key(tc.table, i), a.Dead(tc.table, i))
					}
				}
			}
			for i := range in.ProgIDs {
				if c := a.ProgIDClass(i); c >= len(in.Classes) {
					t.Errorf("ProgId %d: class row %d of %d", i, c, len(in.Classes))
				}
			}
			for i := range in.Verbs {
				if e := a.VerbExtension(i); e >= len(in.Extensions) {
					t.Errorf("verb %d: extension row %d of %d", i, e, len(in.Extensions))
				}
			}
		})
	}
	t.Logf("%d registration rows analysed", rows)
}
