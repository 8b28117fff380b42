package classreg

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/testenv"
)

// ownersOfOneLongComponent returns oddBase with its class's component
// renamed to one long text, in n more features, each also given a class
// of that component: each class needs a registry-only component of its
// own feature.
func ownersOfOneLongComponent(n int) *Input {
	in := oddBase()
	long := strings.Repeat("LongComponent.", 1<<20/14)
	in.Extensions, in.Verbs, in.ProgIDs = nil, nil, nil
	in.Classes[0].ProgIDDefault = ""
	in.Classes[0].Component = long
	in.Components[0].Component = long
	in.Files[0].Component = long
	in.FeatureComponents[0].Component = long
	for i := range n {
		f := fmt.Sprintf("F%05d", i)
		in.Features = append(in.Features, f)
		in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{Feature: f, Component: long})
		clsid := fmt.Sprintf("{AAAAAAAA-0000-0000-0000-%012d}", i+2)
		in.Classes = append(in.Classes, ClassRow{CLSID: clsid, Context: "InprocServer32", Component: long, Feature: f,
			ref: RowRef{Key: []string{clsid, "InprocServer32", long}}})
	}
	return in
}

// TestOwnersOfOneLongComponent: the registry-only components of a
// component named by a long pooled text, one per feature, are named
// without copying, cleaning and hashing the text for each, and list the
// component's other features without listing them all for each. 1,000
// features of a 1 MiB component took 9.9 s of planning and allocated
// 6.4 GB; 0.06 s now.
func TestOwnersOfOneLongComponent(t *testing.T) {
	in := ownersOfOneLongComponent(1000)
	var plan *Plan
	testenv.CheckBudget(t, "makePlan", func() { plan = makePlan(in, Options{}) })
	if len(plan.Components) != 1001 {
		t.Fatalf("%d new components, want 1001", len(plan.Components))
	}
	// Named by the component's first 63 bytes and 8 hex digits, each
	// its own name.
	names := map[string]bool{}
	for _, nc := range plan.Components {
		if len(nc.Component) != 72 || nc.Component[:64] != "reg_"+in.Classes[0].Component[:59]+"_" || names[nc.Component] {
			t.Errorf("new component %.80q: want reg_, the component's first 59 bytes, _ and 8 hex digits, not taken", nc.Component)
		}
		names[nc.Component] = true
	}
	var got []string
	for _, nc := range plan.Components[:2] {
		got = append(got, nc.Feature+": "+nc.Reason[strings.LastIndex(nc.Reason, " is also in ")+1:])
	}
	want := []string{
		"Main: is also in F00000, F00001, F00002, F00003, F00004, F00005, F00006, F00007, and 992 more",
		"F00000: is also in F00001, F00002, F00003, F00004, F00005, F00006, F00007, F00008, and 992 more",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("new components (-want +got):\n%s", diff)
	}
}

// TestOwnersOfComponentInManyFeatures: a component in 10,000 features,
// each with a class of it, gets a registry-only component in each, whose
// reason lists 8 of the others: its features are sorted once, not
// listed, sorted and scanned for each (17.7 s and 8.3 GB allocated,
// with the long names' cost above; 0.3 s now).
func TestOwnersOfComponentInManyFeatures(t *testing.T) {
	in := ownersOfOneLongComponent(10000)
	const short = "Short"
	for i := range in.Classes {
		in.Classes[i].Component = short
	}
	in.Components[0].Component, in.Files[0].Component = short, short
	for i := range in.FeatureComponents {
		in.FeatureComponents[i].Component = short
	}
	var plan *Plan
	testenv.CheckBudget(t, "makePlan", func() { plan = makePlan(in, Options{}) })
	if len(plan.Components) != 10001 {
		t.Fatalf("%d new components, want 10001", len(plan.Components))
	}
	last := plan.Components[len(plan.Components)-1]
	got := last.Feature + ": " + last.Reason[strings.LastIndex(last.Reason, " is also in ")+1:]
	if diff := cmp.Diff("F09999: is also in F00000, F00001, F00002, F00003, F00004, F00005, F00006, F00007, and 9992 more", got); diff != "" {
		t.Errorf("the last new component's reason (-want +got):\n%s", diff)
	}
}

// TestOwnersInNarrowComponentColumn: in a package whose Component
// column is 2 characters wide, the 16 names it allows go to the first
// registry-only components, and the other classes follow their
// component, with a note, at once: each looked through 2^20 hashed
// names (100 classes: 49 s).
func TestOwnersInNarrowComponentColumn(t *testing.T) {
	in := ownersOfOneLongComponent(100)
	const short = "C"
	for i := range in.Classes {
		in.Classes[i].Component = short
	}
	in.Components[0].Component, in.Files[0].Component = short, short
	for i := range in.FeatureComponents {
		in.FeatureComponents[i].Component = short
	}
	in.ComponentWidth = 2
	var plan *Plan
	testenv.CheckBudget(t, "makePlan", func() { plan = makePlan(in, Options{}) })
	notes := 0
	for _, n := range plan.Notes {
		if strings.Contains(n.Reason, "too narrow for a registry-only component") {
			notes++
		}
	}
	if len(plan.Components) != 16 || notes != 101-16 {
		t.Errorf("%d new components and %d notes of a narrow column, want 16 and %d", len(plan.Components), notes, 101-16)
	}
}

// TestOwnersOfOneLongComponentNotHeld: the registry-only components of
// classes whose features do not hold their component (one named by a
// long pooled text) cost no list of the component's other features,
// which their reason does not quote, and their reasons and notes clip
// the long text once, not once each: 67 allocations a class before, 59
// now.
func TestOwnersOfOneLongComponentNotHeld(t *testing.T) {
	notHeld := func(n int) *Input {
		in := ownersOfOneLongComponent(n)
		in.FeatureComponents = in.FeatureComponents[:1] // Main alone holds it
		return in
	}
	small, large := notHeld(1000), notHeld(2000)
	var plan *Plan
	a1 := testing.AllocsPerRun(2, func() { plan = makePlan(small, Options{}) })
	a2 := testing.AllocsPerRun(2, func() { plan = makePlan(large, Options{}) })
	// The race detector's instrumentation makes more allocations (67.7
	// a class with the fix).
	if perClass := (a2 - a1) / 1000; perClass > 62 && !testenv.RaceEnabled {
		t.Errorf("makePlan: %.1f allocations per class, want at most 62", perClass)
	}
	if len(plan.Components) != 2000 {
		t.Fatalf("%d new components, want 2000", len(plan.Components))
	}
	clipped := clip.String(large.Classes[0].Component)
	want := "registration tied to feature F00000, which does not hold component " + clipped
	if diff := cmp.Diff(want, plan.Components[0].Reason); diff != "" {
		t.Errorf("reason of the first new component (-want +got):\n%s", diff)
	}
}
