package validate

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// icem02Run runs ICEM02 alone on f's package, findings bounded by max,
// and returns its findings and how many report built.
func icem02Run(t *testing.T, f *fixture, max int) ([]Finding, int) {
	t.Helper()
	c := newChecker(context.Background(), f.build(t), kindModule, max)
	var fs []Finding
	c.yield = func(f Finding) bool { fs = append(fs, f); return true }
	for i := range registry {
		if registry[i].ICE == "ICEM02" {
			c.start(&registry[i])
			registry[i].run(c)
			c.flush()
		}
	}
	if c.err != nil {
		t.Fatal(c.err)
	}
	return fs, c.built
}

// ICEM02 builds the findings it lists, not one for each row of another
// module past them: their messages (three module names formatted) took
// 0.7 s of CPU for the 440,000 rows of msm-module-exclusions.msm in the
// scaled hostile fixtures, of 0.9 s for the whole validation.
func TestICEM02BuildsListedOnly(t *testing.T) {
	const n = 3000
	f := baseModule()
	for i := range n {
		f.add("ModuleDependency", row(modOther, i+1, "Third.1", 0, "1.0"))
	}
	fs, built := icem02Run(t, f, 0)
	errs, _, _ := Counts(fs)
	if errs != n {
		t.Fatalf("ICEM02: %d errors, want %d", errs, n)
	}
	if len(fs) != DefaultMaxFindings+1 || fs[len(fs)-1].Omitted != n-DefaultMaxFindings {
		t.Fatalf("ICEM02: %d findings, the last %v; want %d listed and %d omitted", len(fs), fs[len(fs)-1], DefaultMaxFindings, n-DefaultMaxFindings)
	}
	if built > DefaultMaxFindings {
		t.Errorf("ICEM02 built %d findings for %d rows, want the %d it lists", built, n, DefaultMaxFindings)
	}
}

// A row past the findings listed whose finding is identical to one
// listed (another module named by a long text that differs from the
// listed row's only past what a finding quotes of it) is counted among
// that finding's duplicates, as before ICEM02 skipped building the
// findings past the bound, not among those omitted.
func TestICEM02OmitsNoDuplicate(t *testing.T) {
	long := "Z" + strings.Repeat("x", 1500)
	f := baseModule()
	f.add("ModuleDependency", row(long+"1", 1, "Third.1", 0, "1.0"), row(long+"2", 1, "Third.1", 0, "1.0"), row("Zz", 1, "Third.1", 0, "1.0"))
	fs, _ := icem02Run(t, f, 1)
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%d rows, %d omitted", 1+f.Duplicates, f.Omitted))
	}
	want := []string{"2 rows, 0 omitted", "1 rows, 1 omitted"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ICEM02 findings (-want +got):\n%s", diff)
	}
}
