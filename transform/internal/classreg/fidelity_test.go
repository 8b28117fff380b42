package classreg

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/transform/internal/edit"
)

// twoServers is oddBase with a second component, AppComp (app.exe), of a
// second feature, App, that holds the extension.
func twoServers() *Input {
	in := oddBase()
	in.Components = append(in.Components, ComponentRow{Component: "AppComp", ComponentID: fixtureGUID, KeyPath: "app.exe"})
	in.Files = append(in.Files, FileRow{File: "app.exe", Component: "AppComp", FileName: "app.exe"})
	in.Features = append(in.Features, "App")
	in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{Feature: "App", Component: "AppComp"})
	in.Extensions[0].Component, in.Extensions[0].Feature = "AppComp", "App"
	in.Extensions[0].ref = RowRef{Key: []string{"odd", "AppComp"}}
	return in
}

func rowsUnder(plan *Plan, prefix string) []kV {
	var out []kV
	for _, r := range kVs(plan) {
		if strings.HasPrefix(r.Key, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// TestPlanMIMEFollowsClassAndExtension: msiexec registers a MIME type
// while its class server or its extension server is installed
// (RegisterMIMEInfo; under Wine, removing the extension's feature left
// the MIME keys of a class that stayed). Its keys go in both components.
func TestPlanMIMEFollowsClassAndExtension(t *testing.T) {
	in := twoServers()
	in.Extensions[0].MIME = "t/odd"
	in.MIMEs = []MIMERow{
		{ContentType: "t/odd", Extension: "odd", CLSID: in.Classes[0].CLSID, ref: RowRef{Key: []string{"t/odd"}}},
		{ContentType: "t/plain", Extension: "odd", ref: RowRef{Key: []string{"t/plain"}}}, // no class: the extension's alone
	}
	plan := makePlan(in, Options{})
	want := []kV{
		{`MIME\Database\Content Type\t/odd`, "Extension", ".odd", "AppComp"},
		{`MIME\Database\Content Type\t/odd`, "CLSID", in.Classes[0].CLSID, "AppComp"},
		{`MIME\Database\Content Type\t/odd`, "Extension", ".odd", "Comp"},
		{`MIME\Database\Content Type\t/odd`, "CLSID", in.Classes[0].CLSID, "Comp"},
		{`MIME\Database\Content Type\t/plain`, "Extension", ".odd", "AppComp"},
	}
	if diff := cmp.Diff(want, rowsUnder(plan, `MIME\`)); diff != "" {
		t.Errorf("MIME rows (-want +got):\n%s", diff)
	}
}

// TestPlanAppIDDescriptionsByComponent: msiexec writes an AppId's
// default value once per class it registers, with the class's
// Description, so the last class registered wins. When the classes are
// in two components (installed apart), no Registry rows give what msiexec
// leaves in every feature state: the rows write the last class's in each
// component (what msiexec leaves when both are installed), and the
// report says what differs while only one is.
func TestPlanAppIDDescriptionsByComponent(t *testing.T) {
	const appID = "{AAAAAAAA-0000-0000-0000-0000000000A1}"
	withApp := func(desc2 string) *Input {
		in := twoServers()
		in.AppIDs = []AppIDRow{{AppID: appID, LocalService: "Svc", ref: RowRef{Key: []string{appID}}}}
		in.Classes[0].AppID = appID
		in.Classes = append(in.Classes, ClassRow{
			CLSID: "{AAAAAAAA-0000-0000-0000-000000000002}", Context: "LocalServer32", Component: "AppComp",
			Description: desc2, AppID: appID, Feature: "App",
			ref: RowRef{Key: []string{"{AAAAAAAA-0000-0000-0000-000000000002}", "LocalServer32", "AppComp"}},
		})
		return in
	}
	t.Run("different descriptions", func(t *testing.T) {
		plan := makePlan(withApp("Odd Server"), Options{})
		want := []kV{
			{`AppID\` + appID, "", "Odd Server", "Comp"},
			{`AppID\` + appID, "LocalService", "Svc", "Comp"},
			{`AppID\` + appID, "", "Odd Server", "AppComp"},
			{`AppID\` + appID, "LocalService", "Svc", "AppComp"},
		}
		if diff := cmp.Diff(want, rowsUnder(plan, `AppID\`)); diff != "" {
			t.Errorf("AppID rows (-want +got):\n%s", diff)
		}
		if !hasNote(plan, edit.Warning, tblAppID, `with only Comp's feature installed msiexec leaves "Odd Thing"`) {
			t.Errorf("no warning saying what differs while one component is installed; notes: %+v", plan.Notes)
		}
	})
	t.Run("one component", func(t *testing.T) {
		in := withApp("Odd Server")
		in.Classes[1].Component, in.Classes[1].Feature = "Comp", "Main"
		plan := makePlan(in, Options{})
		if !hasNote(plan, edit.Warning, tblAppID, `AppID default = "Odd Server" (the last, as msiexec leaves it)`) {
			t.Errorf("no warning about the two descriptions; notes: %+v", plan.Notes)
		}
	})
}

// TestPlanRemoveCreatedKeys: msiexec's unregistration deletes a class's,
// ProgId's or extension's key with its subkeys, and with them a key the
// package's own "+" row created there (created on install, never removed
// by itself). Under Wine, the rewrite of a package with an Insertable
// key written that way left the key after uninstall. A "-" row in the
// registration's component removes it with the registration.
func TestPlanRemoveCreatedKeys(t *testing.T) {
	in := twoServers()
	in.Registry = []RegistryRow{
		{ID: "regInsertable", Key: c1 + `\Insertable`, Name: "+", Component: "Comp"},
		{ID: "regShellNew", Key: `.odd\ShellNew`, Name: "+", Component: "AppComp"},
		{ID: "regVerbKey", Key: `Odd.Thing.1\shell\open\ddeexec`, Name: "+", Component: "AppComp"},
		// Not in a tree the original deletes: no row.
		{ID: "regAppIDSub", Key: `AppID\{AAAAAAAA-0000-0000-0000-0000000000A1}\Sub`, Name: "+", Component: "Comp"},
		{ID: "regOther", Key: `Other.ProgId\Sub`, Name: "+", Component: "Comp"},
		{ID: "regHKLM", Root: 2, Key: `Software\Classes\` + c1 + `\Control`, Name: "+", Component: "Comp"},
		// A value or a "*" key goes with its component already.
		{ID: "regValue", Key: c1 + `\Programmable`, Name: "Flag", Value: "1", Component: "Comp"},
		{ID: "regStar", Key: c1 + `\Control`, Name: "*", Component: "Comp"},
	}
	plan := makePlan(in, Options{})
	var got []kV
	for _, r := range kVs(plan) {
		if r.Name == "-" {
			got = append(got, r)
		}
	}
	want := []kV{
		{c1 + `\Insertable`, "-", "", "Comp"},
		{`.odd\ShellNew`, "-", "", "AppComp"},
		// Odd.Thing.1 is the class's ProgId (Comp) and has the
		// extension's verbs (AppComp): either removal deletes it.
		{`Odd.Thing.1\shell\open\ddeexec`, "-", "", "Comp"},
		{`Odd.Thing.1\shell\open\ddeexec`, "-", "", "AppComp"},
	}
	if diff := cmp.Diff(want, got, cmpSortKV); diff != "" {
		t.Errorf(`"-" rows (-want +got):`+"\n%s", diff)
	}
	// The package's own rows stay, and a second run adds nothing.
	if second := makePlan(apply(in, plan), Options{}); len(second.Add) != 0 {
		t.Errorf("second run adds %+v", kVs(second))
	}
}

var cmpSortKV = cmpopts.SortSlices(func(a, b kV) bool {
	if a.Key != b.Key {
		return a.Key < b.Key
	}
	return a.Component < b.Component
})

// TestPlanProgIDFollowsClassAndExtension: msiexec registers a ProgId
// while its class server or an extension server with verbs naming it is
// installed (RegisterProgIdInfo). Under Wine, with the class's feature
// removed and the extension's kept, the original kept the ProgId's keys
// and the rewrite (rows in the class's component only) lost them. Its
// keys now go in both components; a ProgId only the class reaches stays
// in the class's.
func TestPlanProgIDFollowsClassAndExtension(t *testing.T) {
	plan := makePlan(twoServers(), Options{})
	var got []kV
	for _, r := range kVs(plan) {
		if strings.HasPrefix(r.Key, "Odd.Thing") && !strings.Contains(r.Key, `\shell`) {
			got = append(got, r)
		}
	}
	want := []kV{
		{"Odd.Thing.1", "", "Odd Thing 1", "Comp"},
		{`Odd.Thing.1\CLSID`, "", "{AAAAAAAA-0000-0000-0000-000000000001}", "Comp"},
		{"Odd.Thing.1", "", "Odd Thing 1", "AppComp"},
		{`Odd.Thing.1\CLSID`, "", "{AAAAAAAA-0000-0000-0000-000000000001}", "AppComp"},
		{"Odd.Thing", "", "Odd Thing", "Comp"},
		{`Odd.Thing\CLSID`, "", "{AAAAAAAA-0000-0000-0000-000000000001}", "Comp"},
		{`Odd.Thing\CurVer`, "", "Odd.Thing.1", "Comp"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ProgId rows (-want +got):\n%s", diff)
	}
}

// TestPlanNeverRemovedComponent: msiexec removes a class's registration
// with its feature, also when the class's component is never
// uninstalled: permanent (attribute 16), or unmanaged (a null
// ComponentId: "the component cannot be removed"). The component's own
// Registry rows would stay forever (under Wine, uninstalling the rewrite
// of vfp-VFPODBC.msi with a class added to its permanent components left
// every key, and that of office.msi with ExtraDll unmanaged left class
// {…0004} and its AppId), so the rows go in a registry-only component of
// the feature, which has a ComponentId and is neither. In a merge module
// the new component is the module's (ModuleComponents, its name ending
// as the component's), which the merge tool puts in the features the
// module is merged into; without a ModuleSignature row the rows stay in
// the component and the report says they will outlive the registration.
func TestPlanNeverRemovedComponent(t *testing.T) {
	const (
		permanent = "component Comp is permanent (attribute 16), so its own Registry rows are never removed"
		unmanaged = "component Comp has a null ComponentId (unmanaged: never registered nor removed), so its own Registry rows are never removed"
		inModule  = "registration tied to the feature the module is merged into, removed with it; "
		stay      = "the Registry rows of registration tied to the feature the module is merged into stay after that feature is removed or the product uninstalled, where msiexec removed the advertised registration: "
		noSig     = "; the module has no ModuleSignature row to list a registry-only component with"
	)
	module := func(in *Input) { in.MergeModule, in.ModuleID, in.ModuleLanguage = true, "Odd.AAAA_BBBB", "1033" }
	for _, tc := range []struct {
		name   string
		edit   func(*Input)
		comp   string // the new component, "" for none
		reason string // its reason
		note   string // a warning on Comp, "" for none
	}{
		{"permanent", func(in *Input) { in.Components[0].Attributes = compPermanent },
			"reg_Comp_Main", "registration tied to feature Main, removed with it; " + permanent, ""},
		{"unmanaged", func(in *Input) { in.Components[0].ComponentID = "" },
			"reg_Comp_Main", "registration tied to feature Main, removed with it; " + unmanaged, ""},
		{"managed", func(in *Input) {}, "", "", ""},
		{"built from a module, unmanaged", func(in *Input) { in.ModuleID = "Odd.AAAA_BBBB"; in.Components[0].ComponentID = "" },
			"reg_Comp_Main", "registration tied to feature Main, removed with it; " + unmanaged, ""},
		{"module, permanent", func(in *Input) { module(in); in.Components[0].Attributes = compPermanent },
			"reg_Comp", inModule + permanent, ""},
		{"module, unmanaged", func(in *Input) { module(in); in.Components[0].ComponentID = "" },
			"reg_Comp", inModule + unmanaged, ""},
		{"module", module, "", "", ""},
		{"module without signature, permanent", func(in *Input) { in.MergeModule = true; in.Components[0].Attributes = compPermanent },
			"", "", stay + permanent + noSig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := oddBase()
			tc.edit(in)
			plan := makePlan(in, Options{})
			var want []NewComponent
			comp := "Comp"
			if tc.comp != "" {
				comp = tc.comp
				nc := NewComponent{Component: comp, From: "Comp", Feature: "Main", Attributes: compRegistryKeyPath,
					ComponentID: componentGUID(guidTexts{product: in.ProductCode, id: in.Components[0].ComponentID, component: "Comp", feature: "Main"}), Reason: tc.reason}
				if in.MergeModule {
					nc.Module, nc.ModuleLanguage = "Odd.AAAA_BBBB", "1033"
					nc.ComponentID = componentGUID(guidTexts{product: in.ProductCode + in.ModuleID, id: in.Components[0].ComponentID, component: "Comp", feature: "Main"})
				}
				want = []NewComponent{nc}
			}
			got := plan.Components
			for i := range got {
				got[i].KeyPath = "" // one of the rows, checked below
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("new components (-want +got):\n%s", diff)
			}
			if len(want) == 1 && want[0].ComponentID == "" {
				t.Error("the new component has no ComponentId")
			}
			if len(plan.Add) == 0 {
				t.Fatal("no Registry rows")
			}
			for _, a := range plan.Add {
				if a.Row.Component != comp {
					t.Errorf("row %+v is not in component %s", a.Row, comp)
				}
			}
			var notes []string
			for _, n := range plan.Notes {
				if n.Severity == edit.Warning && n.Table == "Component" {
					notes = append(notes, n.Reason)
				}
			}
			var wantNotes []string
			if tc.note != "" {
				wantNotes = []string{tc.note}
			}
			if diff := cmp.Diff(wantNotes, notes); diff != "" {
				t.Errorf("warnings on components (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPlanCreatedKeysOfLongKeys: Registry rows "+" whose key is one long
// pooled text (a hostile package names it from every row) cost what any
// row costs. treeRoot upper-cased and scanned the whole key for each row,
// and the roots' set hashed it: 2,000 rows of a 256 KiB key allocated
// half a gigabyte. A root past the registry's 255-character key names
// is none, and the rows stay as they are.
func TestPlanCreatedKeysOfLongKeys(t *testing.T) {
	long := strings.Repeat("K", 256<<10)
	keys := []string{long, `CLSID\` + long, long + `\Sub`}
	base := twoServers()
	_, baseAlloc := testenv.Measure(func() { makePlan(base, Options{}) })
	const rows = 2000
	in := twoServers()
	for i := range rows {
		in.Registry = append(in.Registry, RegistryRow{ID: fmt.Sprintf("plus%d", i), Key: keys[i%len(keys)], Name: "+", Component: "Comp"})
	}
	var plan *Plan
	_, alloc := testenv.Measure(func() { plan = makePlan(in, Options{}) })
	for _, r := range kVs(plan) {
		if r.Name == "-" {
			t.Errorf("a \"-\" row for a key past 255 characters: %.40q in %s", r.Key, r.Component)
		}
	}
	if per := (int64(alloc) - int64(baseAlloc)) / rows; per > 2<<10 {
		t.Errorf("planning allocated %d bytes per \"+\" row of a 256 KiB key, want at most 2 KiB", per)
	}
	for _, k := range []string{long, `clsid\` + long, long + `\Sub`} {
		if got := treeRoot(k); got != "" {
			t.Errorf("treeRoot(%.20q…) = %.20q…, want none", k, got)
		}
	}
}

// TestPlanProgIDCaseVariantsOfManyExtensions: ProgIds that differ only
// in case share the extensions of their lower-case form, so emitProgID
// walked all of them for each ProgId: 6,000 variants of one name, each
// reached by the class, with 6,000 extensions with verbs naming them,
// was 36 million steps of the walk. The components are found once per
// ProgId text.
func TestPlanProgIDCaseVariantsOfManyExtensions(t *testing.T) {
	const n = 6000
	in := twoServers()
	clsid := in.Classes[0].CLSID
	name := "abcdefghijklmnop.q"
	for i := range n {
		b := []byte(name)
		for j := range 16 {
			if i>>j&1 == 1 {
				b[j] -= 'a' - 'A'
			}
		}
		id := string(b)
		in.ProgIDs = append(in.ProgIDs, ProgIDRow{ProgID: id, Class: clsid, Description: "Variant", ref: RowRef{Key: []string{id}}})
		ext := fmt.Sprintf("e%d", i)
		in.Extensions = append(in.Extensions, ExtensionRow{Extension: ext, Component: "AppComp", ProgID: id, Feature: "App", ref: RowRef{Key: []string{ext, "AppComp"}}})
		in.Verbs = append(in.Verbs, VerbRow{Extension: ext, Verb: "open", Sequence: optInt(1), Argument: `"%1"`, ref: RowRef{Key: []string{ext, "open"}}})
	}
	var plan *Plan
	testenv.CheckBudget(t, "planning", func() { plan = makePlan(in, Options{}) })
	// Each variant's keys are in the class's component and the
	// extensions' (once, as the slot is one).
	var got []string
	for _, r := range kVs(plan) {
		if strings.EqualFold(r.Key, name) {
			got = append(got, r.Component)
		}
	}
	if diff := cmp.Diff([]string{"Comp", "AppComp"}, got); diff != "" {
		t.Errorf("components of the ProgId's key (-want +got):\n%s", diff)
	}
}

// TestPlanRowsOfOneLongComponent: the classes of one AppId can all name
// one long component and give one long description, each stored twice
// in the pool (equal texts, not one string). Each Registry row's
// identifier hashed the whole component: 4,000 classes of a 256 KiB
// component took 2.1 s of SHA-256. A long field is hashed once per text
// (registryDigest); the AppID key is still written once.
func TestPlanRowsOfOneLongComponent(t *testing.T) {
	descs := [2]string{strings.Repeat("d", 256<<10), strings.Repeat("d", 256<<10)}
	in, long, app := classesOfOneLongComponent(4000, 256<<10, descs)
	var plan *Plan
	testenv.CheckBudget(t, "planning", func() { plan = makePlan(in, Options{}) })
	// The AppID key is written once, in the classes' component, with
	// their description.
	var got []kV
	for _, r := range kVs(plan) {
		if r.Key == `AppID\`+app {
			got = append(got, r)
		}
	}
	want := []kV{{`AppID\` + app, "", descs[0], long}, {`AppID\` + app, "RunAs", "Interactive User", long}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AppID rows (-want +got):\n%s", diff)
	}
}

// TestPlanAppIDOfManyClassesOfOneLongComponent: emitAppID gathers the
// components of an AppId's classes in a set, and one long component
// named by every class (in two pool entries: equal texts, not one
// string) was hashed whole for each class, and so was it by
// finishComponents's map of the first row of each component: 20,000
// classes of a 1.25 MiB component, 50 GB hashed and compared, 0.97 s
// (49,000 classes fit in 5 MB). Both sets are textmemo indexes: the
// planning takes a tenth of that, held to half the usual budget.
func TestPlanAppIDOfManyClassesOfOneLongComponent(t *testing.T) {
	in, long, app := classesOfOneLongComponent(20000, 1280<<10, [2]string{})
	var plan *Plan
	testenv.CheckBudgetOf(t, "planning", testenv.TimeBudget/2, testenv.HeapBudget, func() { plan = makePlan(in, Options{}) })
	var got []kV
	for _, r := range kVs(plan) {
		if r.Key == `AppID\`+app {
			got = append(got, r)
		}
	}
	if diff := cmp.Diff([]kV{{`AppID\` + app, "RunAs", "Interactive User", long}}, got); diff != "" {
		t.Errorf("AppID rows (-want +got):\n%s", diff)
	}
}

// classesOfOneLongComponent returns oddBase with n classes of one AppId
// (app, RunAsInteractiveUser) in one component whose name is a text of
// size bytes (long), held alternately in two strings of equal bytes as
// two pool entries hold it, and the classes given descs alternately.
func classesOfOneLongComponent(n, size int, descs [2]string) (in *Input, long, app string) {
	in = oddBase()
	long = strings.Repeat("c", size)
	comps := [2]string{long, strings.Clone(long)}
	in.Components = append(in.Components, ComponentRow{Component: comps[0], ComponentID: fixtureGUID, KeyPath: "long.dll"})
	in.Files = append(in.Files, FileRow{File: "long.dll", Component: comps[0], FileName: "long.dll"})
	in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{Feature: "Main", Component: comps[0]})
	app = "{ABCDEFAB-CDEF-ABCD-EFAB-000000000000}"
	in.AppIDs = append(in.AppIDs, AppIDRow{AppID: app, RunAsInteractiveUser: optInt(1), ref: RowRef{Key: []string{app}}})
	for i := range n {
		clsid := fmt.Sprintf("{AAAAAAAA-0000-0000-0000-%012d}", i+2)
		in.Classes = append(in.Classes, ClassRow{CLSID: clsid, Context: "InprocServer32", Component: comps[i%2], Feature: "Main",
			Description: descs[i%2], AppID: app, ref: RowRef{Key: []string{clsid, "InprocServer32", comps[i%2]}}})
	}
	return in, long, app
}
