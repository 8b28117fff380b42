package classreg

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// sharedTextInput is oddBase with n classes whose Context is one pooled
// long text, each in its own component and file (n distinct keys that
// hold the text), and n verbs of .odd whose Argument is the same text
// (n rows of one value).
func sharedTextInput(n int, long string) *Input {
	in := oddBase()
	for i := range n {
		clsid := fmt.Sprintf("{BBBBBBBB-0000-0000-0000-%012d}", i)
		comp, file := fmt.Sprintf("C%d", i), fmt.Sprintf("f%d", i)
		in.Components = append(in.Components, ComponentRow{Component: comp, ComponentID: fixtureGUID, KeyPath: file})
		in.Files = append(in.Files, FileRow{File: file, Component: comp, FileName: file})
		in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{"Main", comp})
		in.Classes = append(in.Classes, ClassRow{CLSID: clsid, Context: long, Component: comp, Feature: "Main",
			ref: RowRef{Key: []string{clsid, long, comp}}})
		verb := fmt.Sprintf("v%d", i)
		in.Verbs = append(in.Verbs, VerbRow{Extension: "odd", Verb: verb, Argument: long, ref: RowRef{Key: []string{"odd", verb}}})
	}
	return in
}

// A plan holds each generated key that names a long pooled text once,
// and one value for the rows that share it: planning does not copy the
// text for each row's reason, its lower-case slot or its identifier,
// nor make each verb's command line anew. Before, 200 classes and 200
// verbs naming one 60 KB text allocated 300 KB a class (the key, the
// reason "Class … <context>", the key in lower case kept for the
// plan's slots, and twice more for the row's identifier) and 60 KB a
// verb.
func TestPlanSharedLongTextAllocations(t *testing.T) {
	const n = 200
	long := strings.Repeat("ab", 30000)
	in := sharedTextInput(n, long)
	var plan *Plan
	got := allocated(func() { plan = makePlan(in, Options{}) })
	if plan.over != "" {
		t.Fatalf("plan over: %s", plan.over)
	}
	keys, values, longReasons := 0, map[string]int{}, 0
	for _, a := range plan.Add {
		if strings.Contains(a.Row.Key, long) {
			keys++
		}
		if strings.Contains(a.Row.Value, long) {
			values[a.Row.Value]++
		}
		if len(a.Reason) > 2048 {
			longReasons++
		}
	}
	if longReasons > 0 {
		t.Errorf("%d rows give a reason of more than 2,048 bytes", longReasons)
	}
	// Every class's server key holds the text; every verb's command
	// line is one value.
	if keys != n || len(values) != 1 {
		t.Fatalf("%d keys and %d distinct values hold the text, want %d and 1", keys, len(values), n)
	}
	// The keys' n × 60 KB, and as much again of margin for the rest.
	if most := uint64(2 * n * len(long)); got > most {
		t.Errorf("planning allocated %d bytes, want at most %d (%.1f times the text a class)", got, most, float64(got)/float64(n*len(long)))
	}
}

// The text bound counts a long text the rows share once, as the
// package's string pool stores it: 1,000 verbs naming one 60 KB
// Argument plan 1,000 rows of one value (60 MB counted row by row,
// past the 25.6 MB of the default bound).
func TestPlanTextBoundCountsSharedOnce(t *testing.T) {
	long := strings.Repeat("ab", 30000)
	in := sharedTextInput(1000, long)
	in.Classes = in.Classes[:1]
	plan := makePlan(in, Options{})
	if plan.over != "" {
		t.Fatalf("plan over: %s", plan.over)
	}
	verbs := 0
	for _, a := range plan.Add {
		if strings.HasSuffix(a.Row.Key, `\command`) && strings.Contains(a.Row.Value, long) {
			verbs++
		}
	}
	if diff := cmp.Diff(1000, verbs); diff != "" {
		t.Errorf("verb command rows (-want +got):\n%s", diff)
	}
}

// The text bound is 256 bytes a change: 20 classes whose keys each hold
// a 100 KiB context (2 MB of distinct text) pass it at MaxChanges 5,000
// (1.28 MB); at 512 bytes a change (2.56 MB) they did not.
func TestPlanTextBoundPerChange(t *testing.T) {
	in := sharedTextInput(20, strings.Repeat("c", 100<<10))
	in.Verbs = nil
	plan := makePlan(in, Options{MaxChanges: 5000})
	if diff := cmp.Diff("more than 1280000 bytes of Registry row text", plan.over); diff != "" {
		t.Errorf("over (-want +got):\n%s", diff)
	}
	in = sharedTextInput(10, strings.Repeat("c", 100<<10))
	in.Verbs = nil
	if plan := makePlan(in, Options{MaxChanges: 5000}); plan.over != "" {
		t.Errorf("1 MB of text: over = %q", plan.over)
	}
}

// A MIME type whose extension is dead (its component does not exist)
// follows its live class: no registry-only component is made for the
// extension's component, which no row uses (it made one, with no
// directory, and the rewrite failed adding it: "Directory_: null in a
// non-nullable column").
func TestPlanMIMEOfDeadExtensionMakesNoComponent(t *testing.T) {
	in := oddBase()
	in.Extensions = append(in.Extensions, ExtensionRow{Extension: "dead", Component: "Nope", Feature: "Main", ref: RowRef{Key: []string{"dead", "Nope"}}})
	in.MIMEs = append(in.MIMEs, MIMERow{ContentType: "t/dead", Extension: "dead", CLSID: in.Classes[0].CLSID, ref: RowRef{Key: []string{"t/dead"}}})
	plan := makePlan(in, Options{})
	if plan.over != "" {
		t.Fatalf("plan over: %s", plan.over)
	}
	var from []string
	for _, nc := range plan.Components {
		from = append(from, nc.From)
	}
	if diff := cmp.Diff([]string(nil), from); diff != "" {
		t.Errorf("registry-only components made from (-want +got):\n%s", diff)
	}
	var mime []kV
	for _, r := range kVs(plan) {
		if strings.HasPrefix(r.Key, `MIME\`) {
			mime = append(mime, r)
		}
	}
	want := []kV{
		{`MIME\Database\Content Type\t/dead`, "Extension", ".dead", "Comp"},
		{`MIME\Database\Content Type\t/dead`, "CLSID", in.Classes[0].CLSID, "Comp"},
	}
	if diff := cmp.Diff(want, mime); diff != "" {
		t.Errorf("MIME rows (-want +got):\n%s", diff)
	}
}

// TestPlanMIMEOfDeadExtensionsSharingCLSID: MIME types whose extensions
// are not registered follow their CLSID's first registered class, found
// once for the CLSID: each MIME type walked the CLSID's class rows to it,
// 40,000 MIME types past 40,000 unregistered classes of one CLSID (1.6
// billion steps, 9.5 s; now about 1 s).
func TestPlanMIMEOfDeadExtensionsSharingCLSID(t *testing.T) {
	const n = 40000
	in, live := unregisteredFirst(n)
	for i := range n {
		e := "d" + strconv.Itoa(i)
		in.Extensions = append(in.Extensions, ExtensionRow{Extension: e, Component: "Nope", Feature: "Main", ref: RowRef{Key: []string{e, "Nope"}}})
		in.MIMEs = append(in.MIMEs, MIMERow{ContentType: "t/" + e, Extension: e, CLSID: live.CLSID, ref: RowRef{Key: []string{"t/" + e}}})
	}
	var plan *Plan
	testenv.CheckBudgetOf(t, "planning", 3*time.Second, 1<<30, func() { plan = makePlan(in, Options{MaxChanges: 4 * n}) })
	if plan.over != "" {
		t.Fatalf("plan over: %s", plan.over)
	}
	mime := 0
	for _, r := range kVs(plan) {
		if strings.HasPrefix(r.Key, `MIME\`) {
			mime++
			if r.Component != "Comp" {
				t.Fatalf("MIME row %+v: want the live class's component Comp", r)
			}
		}
	}
	if mime != 2*n {
		t.Errorf("%d MIME rows, want %d", mime, 2*n)
	}
}
