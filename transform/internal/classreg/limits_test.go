package classreg

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/transform/internal/edit"
)

// A FileTypeMask of more patterns than the standard column holds keeps its
// class advertised (or, with DropUnexpressible, loses its FileType values),
// so that one shared string cannot make the pass write millions of rows.
func TestPlanFileTypeMaskLimit(t *testing.T) {
	masks := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("0,2,FFFF,%04X", i)
		}
		return strings.Join(parts, ";")
	}
	fileTypes := func(plan *Plan) int {
		n := 0
		for _, kv := range kVs(plan) {
			if strings.HasPrefix(kv.Key, `FileType\`) {
				n++
			}
		}
		return n
	}
	for _, tt := range []struct {
		name      string
		mask      string
		drop      bool
		wantTypes int
		converted bool
		note      string
	}{
		{"at the limit", masks(maxFileTypes), false, maxFileTypes, true, ""},
		{"stops at an empty pattern", masks(3) + ";;" + masks(500), false, 3, true, ""},
		{"over the limit", masks(maxFileTypes + 1), false, 0, false, "left advertised (registration group cannot be expressed faithfully): FileTypeMask has 129 patterns"},
		{"over the limit, dropped", masks(32000), true, 0, true, "dropped the FileType values: FileTypeMask has 32000 patterns"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := oddBase()
			in.Classes[0].FileTypeMask = tt.mask
			plan := makePlan(in, Options{DropUnexpressible: tt.drop})
			if got := fileTypes(plan); got != tt.wantTypes {
				t.Errorf("%d FileType rows, want %d", got, tt.wantTypes)
			}
			converted := len(plan.Remove) > 0
			if converted != tt.converted {
				t.Errorf("converted = %v, want %v (removed %v)", converted, tt.converted, removedKeys(plan))
			}
			if tt.note != "" && !hasNote(plan, edit.Warning, tblClass, tt.note) {
				t.Errorf("no warning %q in %+v", tt.note, plan.Notes)
			}
		})
	}
}

// Planning stops at MaxChanges (rows) and at MaxChanges × 256 bytes of
// added row text, however the input repeats itself.
func TestPlanMaxChanges(t *testing.T) {
	in := hostile(2000)
	if plan := makePlan(in, Options{DropUnexpressible: true}); plan.over != "" {
		t.Fatalf("default limit hit by %d-row tables: %s", 2000, plan.over)
	}
	plan := makePlan(in, Options{DropUnexpressible: true, MaxChanges: 100})
	if !strings.Contains(plan.over, "more than 100 row changes") || len(plan.Add)+len(plan.Remove) > 100 {
		t.Errorf("over = %q with %d adds and %d removes, want a stop at 100", plan.over, len(plan.Add), len(plan.Remove))
	}
	// The converted rows alone (each one removal) pass 100: planning
	// stops before it makes a single Registry row.
	if len(plan.Add) != 0 {
		t.Errorf("%d Registry rows planned although the removals alone pass MaxChanges", len(plan.Add))
	}
	// One 100 KiB context shared by every class, in each class's key:
	// the text bound (MaxChanges above the removals, so that the text
	// bound is what stops planning).
	in = hostile(200)
	long := strings.Repeat("d", 100<<10)
	for i := range in.Classes {
		in.Classes[i].Context = long
		in.Classes[i].CLSID = fmt.Sprintf("{AAAAAAAA-0000-0000-0000-%012d}", i)
		in.Classes[i].ref.Key[0] = in.Classes[i].CLSID
	}
	plan = makePlan(in, Options{DropUnexpressible: true, MaxChanges: 5000})
	if !strings.Contains(plan.over, "bytes of Registry row text") {
		t.Errorf("over = %q, want the text bound", plan.over)
	}
	// Raising MaxChanges past the default does not raise the text bound
	// past the default's 25.6 MB: 300 classes whose keys each hold the
	// 100 KiB context ask for 30 MB.
	in = hostile(300)
	for i := range in.Classes {
		in.Classes[i].Context = long
		in.Classes[i].CLSID = fmt.Sprintf("{AAAAAAAA-0000-0000-0000-%012d}", i)
		in.Classes[i].ref.Key[0] = in.Classes[i].CLSID
	}
	plan = makePlan(in, Options{DropUnexpressible: true, MaxChanges: math.MaxInt32})
	if want := "more than 25600000 bytes of Registry row text, the most any MaxChanges allows"; plan.over != want {
		t.Errorf("over = %q with MaxChanges %d, want %q", plan.over, math.MaxInt32, want)
	}
	// One 100 KiB description shared by every class is one value the
	// rows share, counted once: no bound.
	in = hostile(200)
	for i := range in.Classes {
		in.Classes[i].Description = long
		in.Classes[i].CLSID = fmt.Sprintf("{AAAAAAAA-0000-0000-0000-%012d}", i)
		in.Classes[i].ref.Key[0] = in.Classes[i].CLSID
	}
	plan = makePlan(in, Options{DropUnexpressible: true, MaxChanges: 5000})
	if plan.over != "" {
		t.Errorf("over = %q for rows sharing one value", plan.over)
	}
}

// A pooled FileTypeMask shared by many classes is scanned once, not once
// per row: 20,000 classes sharing one 64 KiB mask of 32,000 patterns
// would mean 2.6 GB of splitting.
func TestPlanSharedFileTypeMask(t *testing.T) {
	in := oddBase()
	mask := strings.TrimSuffix(strings.Repeat("a;", 32000), ";")
	in.Components = append(in.Components, ComponentRow{Component: "Shared", ComponentID: fixtureGUID, KeyPath: "shared"})
	in.Files = append(in.Files, FileRow{File: "shared", Component: "Shared", FileName: "shared.dll"})
	in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{"Main", "Shared"})
	const n = 20000
	for i := 0; i < n; i++ {
		clsid := fmt.Sprintf("{BBBBBBBB-0000-0000-0000-%012d}", i)
		in.Classes = append(in.Classes, ClassRow{CLSID: clsid, Context: "InprocServer32", Component: "Shared", Feature: "Main",
			FileTypeMask: mask, ref: RowRef{Key: []string{clsid, "InprocServer32", "Shared"}}})
	}
	var plan *Plan
	testenv.CheckBudget(t, "plan 20,000 classes sharing one 64 KiB FileTypeMask", func() { plan = makePlan(in, Options{}) })
	kept := 0
	reasons := map[*byte]bool{} // distinct strings, not texts
	for _, nt := range plan.Notes {
		if nt.Table == tblClass && strings.Contains(nt.Reason, "FileTypeMask has 32000 patterns") {
			kept++
			reasons[unsafe.StringData(nt.Reason)] = true
		}
	}
	if len(reasons) != 1 {
		t.Errorf("the %d notes of classes kept for their FileTypeMask hold %d copies of their reason, want 1", kept, len(reasons))
	}
	if kept != n {
		t.Errorf("%d classes noted as kept for their FileTypeMask, want %d", kept, n)
	}
}

// Cells naming one long pooled text are looked up by that text many times
// (as a component, a feature, a ProgId, an AppId, an extension, a MIME
// type, a reason's argument): each lookup must not hash the whole text
// again. 2,000 rows of each kind naming one 2 MiB text hashed 80 GB (4-5 s)
// through plain maps.
func TestPlanSharedLongCells(t *testing.T) {
	in := oddBase()
	long := strings.Repeat("L", 2<<20)
	const n = 2000
	for i := 0; i < n; i++ {
		clsid := fmt.Sprintf("{CCCCCCCC-0000-0000-0000-%012d}", i)
		in.Classes = append(in.Classes, ClassRow{CLSID: clsid, Context: "InprocServer32", Component: long, Feature: long,
			ProgIDDefault: long, AppID: long, Icon: long, ref: RowRef{Key: []string{clsid, "InprocServer32", long}}})
		prog := fmt.Sprintf("Long.Prog.%d", i)
		in.ProgIDs = append(in.ProgIDs, ProgIDRow{ProgID: prog, Parent: long, Class: long, ref: RowRef{Key: []string{prog}}})
		ext := fmt.Sprintf("x%d", i)
		in.Extensions = append(in.Extensions, ExtensionRow{Extension: ext, Component: long, ProgID: long, MIME: long, Feature: long,
			ref: RowRef{Key: []string{ext, long}}})
		in.MIMEs = append(in.MIMEs, MIMERow{ContentType: fmt.Sprintf("x/%d", i), Extension: long, CLSID: long,
			ref: RowRef{Key: []string{fmt.Sprintf("x/%d", i)}}})
	}
	var plan *Plan
	testenv.CheckBudget(t, "plan 2,000 rows of each kind whose cells name one 2 MiB text", func() { plan = makePlan(in, Options{}) })
	dead := 0
	for _, nt := range plan.Notes {
		if nt.Table == tblClass && strings.Contains(nt.Reason, "is not in the Component table") {
			dead++
		}
	}
	if dead != n {
		t.Errorf("%d classes noted as naming no component, want %d", dead, n)
	}
}

// Registry slots and registry-only components are keyed by long texts
// too: 2,000 existing Registry rows under one 2 MiB key, and 2,000
// classes of one 2 MiB component in a 2 MiB feature, joined key and name
// (or component and feature) per row, allocated 4 and 8 GB (30 s).
func TestPlanSharedLongSlots(t *testing.T) {
	long := strings.Repeat("L", 2<<20)
	long2 := strings.Repeat("F", 2<<20)
	const n = 2000
	in := oddBase()
	for i := 0; i < n; i++ {
		in.Registry = append(in.Registry, RegistryRow{ID: fmt.Sprintf("r%d", i), Key: long, Name: fmt.Sprintf("n%d", i), Value: "v", Component: "Comp"})
	}
	// A ProgId named by the long text writes its default value, which a
	// Registry row already writes (under the key in another case).
	in.ProgIDs = append(in.ProgIDs, ProgIDRow{ProgID: long, Class: "{AAAAAAAA-0000-0000-0000-000000000001}", Description: "Long", ref: RowRef{Key: []string{long}}})
	in.Registry = append(in.Registry, RegistryRow{ID: "rdefault", Key: strings.ToLower(long), Value: "Long", Component: "Comp"})
	var plan *Plan
	testenv.CheckBudget(t, "plan with 2,000 Registry rows under one 2 MiB key", func() { plan = makePlan(in, Options{}) })
	found := 0
	for _, nt := range plan.Notes {
		if nt.Table == tblRegistry && len(nt.Key) == 1 && nt.Key[0] == "rdefault" && strings.Contains(nt.Reason, "already written by this existing Registry row") {
			found++
		}
	}
	if found != 1 {
		t.Errorf("%d notes of the existing row writing the long ProgId's default value, want 1", found)
	}

	in = oddBase()
	in.Components = append(in.Components, ComponentRow{Component: long, ComponentID: fixtureGUID, KeyPath: "long.dll"})
	in.Files = append(in.Files, FileRow{File: "long.dll", Component: long, FileName: "long.dll"})
	in.Features = append(in.Features, long2)
	in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{"Main", long}, FeatureComponent{long2, long})
	for i := 0; i < n; i++ {
		clsid := fmt.Sprintf("{CCCCCCCC-0000-0000-0000-%012d}", i)
		in.Classes = append(in.Classes, ClassRow{CLSID: clsid, Context: "InprocServer32", Component: long, Feature: long2,
			ref: RowRef{Key: []string{clsid, "InprocServer32", long}}})
	}
	testenv.CheckBudget(t, "plan 2,000 classes of one 2 MiB component in a 2 MiB feature", func() { plan = makePlan(in, Options{}) })
	// The component is in two features: its classes' rows go to one
	// registry-only component of the long feature.
	if len(plan.Components) != 1 {
		t.Fatalf("%d new components, want 1", len(plan.Components))
	}
	comps := map[string]int{}
	for _, a := range plan.Add {
		if strings.HasPrefix(a.Row.Key, `CLSID\{CCCCCCCC`) {
			comps[a.Row.Component]++
		}
	}
	if diff := cmp.Diff(map[string]int{plan.Components[0].Component: n}, comps); diff != "" {
		t.Errorf("components of the classes' rows (-want +got):\n%s", diff)
	}
}
