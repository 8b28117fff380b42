package classreg

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/msikit/msikit/transform/internal/edit"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// goldenCases are the corpus packages with hand-written expected Registry
// rows (testdata/README.md explains each row).
var goldenCases = []struct {
	name, file, golden string
}{
	{"synth-com-advertised", "synthetic/synth-com-advertised.msi", "synth-com-advertised.Registry.idt"},
	{"wix-Class-OldClassTableDef", "real/wix-Class-OldClassTableDef.msi", "wix-Class-OldClassTableDef.Registry.idt"},
}

func corpusFile(t *testing.T, rel string) string {
	t.Helper()
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found (../shared/corpus or $MSIKIT_CORPUS)")
	}
	return filepath.Join(dir, rel)
}

// TestPlanGolden checks the mapping alone, on tables read by msitools (an
// independent reader), against the hand-written golden Registry rows.
func TestPlanGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			in := inputFromMsiinfo(t, corpusFile(t, tc.file))
			plan := makePlan(in, Options{})
			got := append([]RegistryRow(nil), in.Registry...)
			for _, a := range plan.Add {
				got = append(got, a.Row)
			}
			sortRegistry(got)
			want := readGolden(t, filepath.Join("testdata", tc.golden))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Registry rows (-golden +plan):\n%s", diff)
			}
			// Every source row msiexec registers is removed.
			removed := map[string]int{}
			for _, r := range plan.Remove {
				removed[r.Table]++
			}
			wantRemoved := map[string]int{}
			add := func(table string, n int) {
				if n > 0 {
					wantRemoved[table] = n
				}
			}
			add(tblClass, len(in.Classes))
			add(tblProgID, len(in.ProgIDs))
			add(tblAppID, len(in.AppIDs))
			add(tblExtension, len(in.Extensions))
			add(tblVerb, len(in.Verbs))
			add(tblMIME, len(in.MIMEs))
			if diff := cmp.Diff(wantRemoved, removed); diff != "" {
				t.Errorf("removed rows per table (-want +got):\n%s", diff)
			}
			for _, n := range plan.Notes {
				if n.Severity == edit.Warning && n.Table != tblTypeLib {
					t.Errorf("unexpected warning: %+v", n)
				}
			}
			if len(plan.Actions) != 0 {
				t.Errorf("actions added, but both packages have WriteRegistryValues/RemoveRegistryValues: %+v", plan.Actions)
			}
		})
	}
}

// oddBase is a small valid package: one in-process class with a ProgId
// pair, one extension with a verb.
func oddBase() *Input {
	return &Input{
		ProductCode: "{11111111-2222-3333-4444-555555555555}",
		Platform:    "Intel",
		AllUsers:    "1",
		Classes: []ClassRow{{
			CLSID: "{AAAAAAAA-0000-0000-0000-000000000001}", Context: "InprocServer32", Component: "Comp",
			ProgIDDefault: "Odd.Thing.1", Description: "Odd Thing", Feature: "Main",
			ref: RowRef{Key: []string{"{AAAAAAAA-0000-0000-0000-000000000001}", "InprocServer32", "Comp"}},
		}},
		ProgIDs: []ProgIDRow{
			{ProgID: "Odd.Thing.1", Class: "{AAAAAAAA-0000-0000-0000-000000000001}", Description: "Odd Thing 1", ref: RowRef{Key: []string{"Odd.Thing.1"}}},
			{ProgID: "Odd.Thing", Parent: "Odd.Thing.1", Description: "Odd Thing", ref: RowRef{Key: []string{"Odd.Thing"}}},
		},
		Extensions:        []ExtensionRow{{Extension: "odd", Component: "Comp", ProgID: "Odd.Thing.1", Feature: "Main", ref: RowRef{Key: []string{"odd", "Comp"}}}},
		Verbs:             []VerbRow{{Extension: "odd", Verb: "open", Sequence: optInt(1), Argument: `"%1"`, ref: RowRef{Key: []string{"odd", "open"}}}},
		Components:        []ComponentRow{{Component: "Comp", ComponentID: fixtureGUID, KeyPath: "thing.dll"}, {Component: "RegComp", ComponentID: fixtureGUID, Attributes: compRegistryKeyPath, KeyPath: "reg1"}, {Component: "DirComp", ComponentID: fixtureGUID}},
		Files:             []FileRow{{File: "thing.dll", Component: "Comp", FileName: "thing~1.dll|thing.dll"}},
		Features:          []string{"Main"},
		FeatureComponents: []FeatureComponent{{Feature: "Main", Component: "Comp"}},
		HasRegistryTable:  true,
		Sequences: []SequenceRow{
			{Table: "InstallExecuteSequence", Action: "InstallInitialize", Sequence: optInt(1500)},
			{Table: "InstallExecuteSequence", Action: "RemoveRegistryValues", Sequence: optInt(2600)},
			{Table: "InstallExecuteSequence", Action: "WriteRegistryValues", Sequence: optInt(5000)},
			{Table: "InstallExecuteSequence", Action: "InstallFinalize", Sequence: optInt(6600)},
		},
	}
}

// kv is a Registry row without its identifier, for readable expectations.
type kV struct{ Key, Name, Value, Component string }

func kVs(plan *Plan) []kV {
	var out []kV
	for _, a := range plan.Add {
		out = append(out, kV{a.Row.Key, a.Row.Name, a.Row.Value, a.Row.Component})
	}
	return out
}

func hasNote(plan *Plan, sev edit.Severity, table, substr string) bool {
	for _, n := range plan.Notes {
		if n.Severity == sev && n.Table == table && strings.Contains(n.Reason, substr) {
			return true
		}
	}
	return false
}

func removedKeys(plan *Plan) []string {
	var out []string
	for _, r := range plan.Remove {
		out = append(out, r.Table+":"+strings.Join(r.Ref.Key, "/"))
	}
	return out
}

// fixtureGUID is the ComponentId of the test inputs' components: a
// component with a null one is unmanaged (owner moves its registration).
const fixtureGUID = "{7E57C0DE-0000-4000-8000-00000000C0DE}"

const c1 = `CLSID\{AAAAAAAA-0000-0000-0000-000000000001}`

func TestPlanBase(t *testing.T) {
	plan := makePlan(oddBase(), Options{})
	want := []kV{
		{c1, "", "Odd Thing", "Comp"},
		{c1 + `\InprocServer32`, "", "[#thing.dll]", "Comp"},
		{c1 + `\VersionIndependentProgID`, "", "Odd.Thing", "Comp"},
		{c1 + `\ProgID`, "", "Odd.Thing.1", "Comp"},
		{"Odd.Thing.1", "", "Odd Thing 1", "Comp"},
		{`Odd.Thing.1\CLSID`, "", "{AAAAAAAA-0000-0000-0000-000000000001}", "Comp"},
		{"Odd.Thing", "", "Odd Thing", "Comp"},
		{`Odd.Thing\CLSID`, "", "{AAAAAAAA-0000-0000-0000-000000000001}", "Comp"},
		{`Odd.Thing\CurVer`, "", "Odd.Thing.1", "Comp"},
		{".odd", "", "Odd.Thing.1", "Comp"},
		{`Odd.Thing.1\shell\open\command`, "", `"[#thing.dll]" "%1"`, "Comp"},
		{`Odd.Thing.1\shell`, "", "open", "Comp"},
	}
	if diff := cmp.Diff(want, kVs(plan)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	wantRemoved := []string{"Class:{AAAAAAAA-0000-0000-0000-000000000001}/InprocServer32/Comp", "ProgId:Odd.Thing.1", "ProgId:Odd.Thing", "Extension:odd/Comp", "Verb:odd/open"}
	if diff := cmp.Diff(wantRemoved, removedKeys(plan)); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	if len(plan.Notes) != 0 {
		t.Errorf("notes on a clean package: %+v", plan.Notes)
	}
}

// TestPlanIdempotent applies a plan to its input and plans again: nothing
// more to do, and the identifiers are stable across runs.
func TestPlanIdempotent(t *testing.T) {
	in := oddBase()
	plan := makePlan(in, Options{})
	again := makePlan(oddBase(), Options{})
	if diff := cmp.Diff(plan.Add, again.Add); diff != "" {
		t.Errorf("two runs differ:\n%s", diff)
	}
	out := apply(in, plan)
	second := makePlan(out, Options{})
	if len(second.Add) != 0 || len(second.Remove) != 0 || len(second.Actions) != 0 {
		t.Errorf("second run changes things: %+v", second)
	}
}

// applyPlanToInput is the plain-row equivalent of what ClassToRegistry does
// to a database.
func apply(in *Input, plan *Plan) *Input {
	out := *in
	drop := map[string]map[int]bool{}
	for _, r := range plan.Remove {
		if drop[r.Table] == nil {
			drop[r.Table] = map[int]bool{}
		}
		drop[r.Table][r.Index] = true
	}
	out.Classes, out.ProgIDs, out.AppIDs, out.Extensions, out.Verbs, out.MIMEs = nil, nil, nil, nil, nil, nil
	for i, r := range in.Classes {
		if !drop[tblClass][i] {
			out.Classes = append(out.Classes, r)
		}
	}
	for i, r := range in.ProgIDs {
		if !drop[tblProgID][i] {
			out.ProgIDs = append(out.ProgIDs, r)
		}
	}
	for i, r := range in.AppIDs {
		if !drop[tblAppID][i] {
			out.AppIDs = append(out.AppIDs, r)
		}
	}
	for i, r := range in.Extensions {
		if !drop[tblExtension][i] {
			out.Extensions = append(out.Extensions, r)
		}
	}
	for i, r := range in.Verbs {
		if !drop[tblVerb][i] {
			out.Verbs = append(out.Verbs, r)
		}
	}
	for i, r := range in.MIMEs {
		if !drop[tblMIME][i] {
			out.MIMEs = append(out.MIMEs, r)
		}
	}
	out.Registry = append([]RegistryRow(nil), in.Registry...)
	for _, a := range plan.Add {
		out.Registry = append(out.Registry, a.Row)
	}
	out.Sequences = append([]SequenceRow(nil), in.Sequences...)
	for _, a := range plan.Actions {
		out.Sequences = append(out.Sequences, SequenceRow{Table: a.Table, Action: a.Action, Sequence: optInt(a.Sequence)})
	}
	out.Components = append([]ComponentRow(nil), in.Components...)
	out.FeatureComponents = append([]FeatureComponent(nil), in.FeatureComponents...)
	for _, c := range plan.Components {
		out.Components = append(out.Components, ComponentRow{Component: c.Component, ComponentID: c.ComponentID, Directory: c.Directory,
			Attributes: c.Attributes, Condition: c.Condition, KeyPath: c.KeyPath})
		out.FeatureComponents = append(out.FeatureComponents, FeatureComponent{c.Feature, c.Component})
	}
	return &out
}

// TestPlanClassFeature checks that registration follows the Class (and
// Extension) row's feature, as msiexec registers it: a component held by
// that feature alone keeps the rows; a component also in other features,
// or not in that feature, gets a new registry-only component held only
// by the feature.
func TestPlanClassFeature(t *testing.T) {
	twoFeatures := func() *Input {
		in := oddBase()
		in.Features = append(in.Features, "Other")
		in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{"Other", "Comp"})
		in.Components[0].Attributes = comp64 | 0x10 // 64-bit, permanent
		in.Components[0].ComponentID = "{AAAAAAAA-1111-0000-0000-000000000001}"
		in.Components[0].Directory = "INSTALLDIR"
		in.Components[0].Condition = "VersionNT64"
		in.Platform = "x64"
		return in
	}
	t.Run("component in two features", func(t *testing.T) {
		in := twoFeatures()
		plan := makePlan(in, Options{})
		if len(plan.Components) != 1 {
			t.Fatalf("new components %+v, want one", plan.Components)
		}
		nc := plan.Components[0]
		want := NewComponent{Component: "reg_Comp_Main", From: "Comp", Feature: "Main", Directory: "INSTALLDIR",
			Attributes: compRegistryKeyPath | comp64, Condition: "VersionNT64"}
		got := nc
		got.ComponentID, got.KeyPath, got.Reason = "", "", ""
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("new component (-want +got):\n%s", diff)
		}
		if !reGUIDTest.MatchString(nc.ComponentID) {
			t.Errorf("ComponentId %q is not a GUID", nc.ComponentID)
		}
		if again := makePlan(twoFeatures(), Options{}); again.Components[0].ComponentID != nc.ComponentID {
			t.Error("ComponentId not deterministic")
		}
		keyPathOK := false
		for _, a := range plan.Add {
			if a.Row.Component != "reg_Comp_Main" {
				t.Errorf("row %+v is not in the feature's component", a.Row)
			}
			keyPathOK = keyPathOK || a.Row.ID == nc.KeyPath
		}
		if !keyPathOK {
			t.Errorf("key path %q is not one of the component's Registry rows", nc.KeyPath)
		}
		out := apply(in, plan)
		if second := makePlan(out, Options{}); len(second.Add)+len(second.Remove)+len(second.Components) != 0 {
			t.Errorf("second run changes things: %+v", second)
		}
	})
	t.Run("component in its feature only", func(t *testing.T) {
		plan := makePlan(oddBase(), Options{})
		if len(plan.Components) != 0 {
			t.Errorf("new components %+v for a component only its feature holds", plan.Components)
		}
	})
	t.Run("feature does not hold the component", func(t *testing.T) {
		in := oddBase()
		in.Features = append(in.Features, "Other")
		in.FeatureComponents = []FeatureComponent{{"Other", "Comp"}}
		plan := makePlan(in, Options{})
		if len(plan.Components) != 1 || plan.Components[0].Feature != "Main" {
			t.Errorf("new components %+v, want one held by Main", plan.Components)
		}
	})
	t.Run("merge module", func(t *testing.T) {
		in := twoFeatures()
		in.MergeModule = true
		plan := makePlan(in, Options{})
		if len(plan.Components) != 0 {
			t.Errorf("new components %+v in a merge module", plan.Components)
		}
	})
	t.Run("narrow columns", func(t *testing.T) {
		in := twoFeatures()
		in.ComponentWidth, in.RegistryWidth = 12, 20
		plan := makePlan(in, Options{})
		for _, c := range plan.Components {
			if len(c.Component) > 12 || !reIdentTest.MatchString(c.Component) {
				t.Errorf("component key %q does not fit 12 characters", c.Component)
			}
		}
		seen := map[string]bool{}
		for _, a := range plan.Add {
			if len(a.Row.ID) > 20 || !reIdentTest.MatchString(a.Row.ID) || seen[a.Row.ID] {
				t.Errorf("Registry key %q: longer than 20, invalid or repeated", a.Row.ID)
			}
			seen[a.Row.ID] = true
		}
	})
}

var (
	reGUIDTest  = regexp.MustCompile(`^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$`)
	reIdentTest = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)
)

func TestPlanOddData(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		mutate func(in *Input)
		check  func(t *testing.T, plan *Plan)
	}{
		{
			name:   "missing component",
			mutate: func(in *Input) { in.Classes[0].Component = "Nope" },
			check: func(t *testing.T, plan *Plan) {
				if !hasNote(plan, edit.Warning, tblClass, "never registers this class: component Nope is not in the Component table") {
					t.Errorf("no note: %+v", plan.Notes)
				}
				for _, r := range plan.Remove {
					if r.Table == tblClass {
						t.Errorf("dead class removed: %+v", r)
					}
				}
			},
		},
		{
			name:   "component without key file",
			mutate: func(in *Input) { in.Classes[0].Component = "DirComp" },
			check: func(t *testing.T, plan *Plan) {
				if !hasNote(plan, edit.Warning, tblClass, "has no key file") {
					t.Errorf("no note: %+v", plan.Notes)
				}
			},
		},
		{
			name:   "registry key path",
			mutate: func(in *Input) { in.Classes[0].Component = "RegComp" },
			check: func(t *testing.T, plan *Plan) {
				if !hasNote(plan, edit.Warning, tblClass, "registry key path") {
					t.Errorf("no note: %+v", plan.Notes)
				}
			},
		},
		{
			name:   "dangling ProgId parent",
			mutate: func(in *Input) { in.ProgIDs[1].Parent = "Gone.1" },
			check: func(t *testing.T, plan *Plan) {
				if !hasNote(plan, edit.Warning, tblProgID, "ProgId_Parent Gone.1 is not in the ProgId table") {
					t.Errorf("no note: %+v", plan.Notes)
				}
				if !hasNote(plan, edit.Info, tblProgID, "never registers this ProgId") {
					t.Errorf("orphan ProgId not reported: %+v", plan.Notes)
				}
				for _, r := range kVs(plan) {
					if strings.Contains(r.Key, "VersionIndependentProgID") || strings.Contains(r.Key, "CurVer") {
						t.Errorf("version-independent row from a dangling parent: %+v", r)
					}
				}
			},
		},
		{
			name: "ProgId_Parent cycle keeps the group",
			mutate: func(in *Input) {
				in.ProgIDs[0].Parent = "Odd.Thing"
			},
			check: func(t *testing.T, plan *Plan) {
				if len(plan.Add) != 0 || len(plan.Remove) != 0 {
					t.Errorf("cycle group converted: add %d remove %d", len(plan.Add), len(plan.Remove))
				}
				if !hasNote(plan, edit.Warning, tblClass, "left advertised") || !hasNote(plan, edit.Warning, tblProgID, "cycle") {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
		{
			name:   "ProgId_Parent cycle dropped",
			opts:   Options{DropUnexpressible: true},
			mutate: func(in *Input) { in.ProgIDs[0].Parent = "Odd.Thing" },
			check: func(t *testing.T, plan *Plan) {
				for _, r := range kVs(plan) {
					if strings.HasPrefix(r.Key, "Odd.Thing") && !strings.Contains(r.Key, `\shell`) {
						t.Errorf("row for a cyclic ProgId: %+v", r)
					}
				}
				if !hasNote(plan, edit.Warning, tblProgID, "dropped the ProgId") {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
		{
			name: "duplicate CLSID across contexts",
			mutate: func(in *Input) {
				c := in.Classes[0]
				c.Context = "LocalServer32"
				c.Argument = "/auto [ProductName]"
				c.ref = RowRef{Key: []string{c.CLSID, c.Context, c.Component}}
				in.Classes = append(in.Classes, c)
			},
			check: func(t *testing.T, plan *Plan) {
				if !hasNote(plan, edit.Info, tblClass, "has 2 Class rows") {
					t.Errorf("notes: %+v", plan.Notes)
				}
				n := 0
				for _, r := range kVs(plan) {
					if r.Key == c1 && r.Name == "" {
						n++
					}
					if r.Key == c1+`\LocalServer32` && r.Value != `"[#thing.dll]" /auto [ProductName]` {
						t.Errorf("local server = %q", r.Value)
					}
				}
				if n != 1 {
					t.Errorf("CLSID default written %d times, want once", n)
				}
			},
		},
		{
			name: "ProgId named by the second context of its class",
			mutate: func(in *Input) {
				in.Components = append(in.Components, ComponentRow{Component: "Comp2", ComponentID: fixtureGUID, KeyPath: "other.exe"})
				in.Files = append(in.Files, FileRow{File: "other.exe", Component: "Comp2", FileName: "other.exe"})
				in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{"Main", "Comp2"})
				c := in.Classes[0]
				c.Context, c.Component = "LocalServer32", "Comp2"
				c.ref = RowRef{Key: []string{c.CLSID, c.Context, c.Component}}
				in.Classes[0].ProgIDDefault = ""
				in.Classes = append(in.Classes, c)
			},
			check: func(t *testing.T, plan *Plan) {
				if !contains(kVs(plan), kV{"Odd.Thing.1", "", "Odd Thing 1", "Comp2"}) {
					t.Errorf("ProgId not registered with the class row naming it: %+v", kVs(plan))
				}
			},
		},
		{
			name: "same context from two components",
			mutate: func(in *Input) {
				in.Components = append(in.Components, ComponentRow{Component: "Comp2", ComponentID: fixtureGUID, KeyPath: "other.dll"})
				in.Files = append(in.Files, FileRow{File: "other.dll", Component: "Comp2", FileName: "other.dll"})
				in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{"Main", "Comp2"})
				c := in.Classes[0]
				c.Component = "Comp2"
				c.ref = RowRef{Key: []string{c.CLSID, c.Context, c.Component}}
				in.Classes = append(in.Classes, c)
			},
			check: func(t *testing.T, plan *Plan) {
				if len(plan.Add) != 0 || !hasNote(plan, edit.Warning, tblClass, "registered by two components") {
					t.Errorf("conflict not kept: %+v", plan.Notes)
				}
			},
		},
		{
			name: "per-user icon is unexpressible",
			mutate: func(in *Input) {
				in.AllUsers = ""
				in.Icons = []string{"odd.ico"}
				in.Classes[0].Icon = "odd.ico"
			},
			check: func(t *testing.T, plan *Plan) {
				if len(plan.Add) != 0 || !hasNote(plan, edit.Warning, tblClass, "not per-machine") {
					t.Errorf("icon group converted: %+v", plan.Notes)
				}
			},
		},
		{
			name: "per-machine icon uses the icon cache",
			mutate: func(in *Input) {
				in.Icons = []string{"odd.ico"}
				in.Classes[0].Icon = "odd.ico"
				in.Classes[0].IconIndex = optInt(-3)
			},
			check: func(t *testing.T, plan *Plan) {
				want := kV{c1 + `\DefaultIcon`, "", `[WindowsFolder]Installer\[ProductCode]\odd.ico,-3`, "Comp"}
				if !contains(kVs(plan), want) {
					t.Errorf("missing %+v in %+v", want, kVs(plan))
				}
			},
		},
		{
			name: "icon cache disabled, dropped",
			opts: Options{NoIconCache: true, DropUnexpressible: true},
			mutate: func(in *Input) {
				in.Icons = []string{"odd.ico"}
				in.Classes[0].Icon = "odd.ico"
			},
			check: func(t *testing.T, plan *Plan) {
				for _, r := range kVs(plan) {
					if strings.HasSuffix(r.Key, "DefaultIcon") {
						t.Errorf("DefaultIcon written: %+v", r)
					}
				}
				if len(plan.Add) == 0 || !hasNote(plan, edit.Warning, tblClass, "dropped DefaultIcon") {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
		{
			name: "handlers, relative path, file types, escaping",
			mutate: func(in *Input) {
				c := &in.Classes[0]
				c.DefInprocHandler = "3"
				c.Attributes = optInt(classRelativePath)
				c.FileTypeMask = "0,2,FFFF,4D5A;;1,1,FF,00"
				c.Description = "#1 [beta] {x}"
			},
			check: func(t *testing.T, plan *Plan) {
				got := kVs(plan)
				for _, want := range []kV{
					{c1, "", `##1 [\[]beta[\]] [\{]x[\}]`, "Comp"},
					{c1 + `\InprocServer32`, "", "thing.dll", "Comp"},
					{c1 + `\InprocHandler`, "", "ole2.dll", "Comp"},
					{c1 + `\InprocHandler32`, "", "ole32.dll", "Comp"},
					{`FileType\{AAAAAAAA-0000-0000-0000-000000000001}\0`, "", "0,2,FFFF,4D5A", "Comp"},
				} {
					if !contains(got, want) {
						t.Errorf("missing %+v", want)
					}
				}
				for _, r := range got {
					if strings.HasSuffix(r.Key, `\1`) {
						t.Errorf("file type after an empty pattern: %+v", r)
					}
				}
			},
		},
		{
			name:   "handler text",
			mutate: func(in *Input) { in.Classes[0].DefInprocHandler = "MYHAND~1.DLL|myhandler.dll" },
			check: func(t *testing.T, plan *Plan) {
				if !contains(kVs(plan), kV{c1 + `\InprocHandler32`, "", "myhandler.dll", "Comp"}) {
					t.Errorf("rows: %+v", kVs(plan))
				}
			},
		},
		{
			name: "AppId values",
			mutate: func(in *Input) {
				in.Classes[0].AppID = "{BBBBBBBB-0000-0000-0000-000000000001}"
				in.AppIDs = []AppIDRow{{AppID: "{BBBBBBBB-0000-0000-0000-000000000001}", RemoteServerName: "[HOST]", LocalService: "Svc", DllSurrogate: "sur.exe",
					ActivateAtStorage: optInt(0), RunAsInteractiveUser: optInt(1), ref: RowRef{Key: []string{"{BBBBBBBB-0000-0000-0000-000000000001}"}}}}
			},
			check: func(t *testing.T, plan *Plan) {
				got := kVs(plan)
				const k = `AppID\{BBBBBBBB-0000-0000-0000-000000000001}`
				for _, want := range []kV{
					{c1, "AppID", "{BBBBBBBB-0000-0000-0000-000000000001}", "Comp"},
					{k, "", "Odd Thing", "Comp"},
					{k, "RemoteServerName", "[HOST]", "Comp"},
					{k, "LocalService", "Svc", "Comp"},
					{k, "DllSurrogate", "sur.exe", "Comp"},
					{k, "RunAs", "Interactive User", "Comp"},
				} {
					if !contains(got, want) {
						t.Errorf("missing %+v", want)
					}
				}
				for _, r := range got {
					if r.Name == "ActivateAtStorage" {
						t.Errorf("ActivateAtStorage=0 written: %+v", r)
					}
				}
			},
		},
		{
			name: "existing registry row wins",
			mutate: func(in *Input) {
				in.Registry = []RegistryRow{{ID: "regOld", Root: 0, Key: c1 + `\InprocServer32`, Value: "[#other]", Component: "Comp"}}
			},
			check: func(t *testing.T, plan *Plan) {
				for _, r := range kVs(plan) {
					if r.Key == c1+`\InprocServer32` {
						t.Errorf("duplicate of an existing row: %+v", r)
					}
				}
				if !hasNote(plan, edit.Warning, tblRegistry, "already won") {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
		{
			name: "identifier taken by an unrelated row",
			mutate: func(in *Input) {
				in.Registry = []RegistryRow{{ID: registryID(0, c1, "", "Comp"), Root: 2, Key: `Software\Other`, Value: "x", Component: "Comp"}}
			},
			check: func(t *testing.T, plan *Plan) {
				want := registryID(0, c1, "", "Comp") + "_2"
				if len(plan.Add) == 0 || plan.Add[0].Row.ID != want || plan.Add[0].Row.Key != c1 {
					t.Errorf("first row %+v, want identifier %s", plan.Add[0].Row, want)
				}
			},
		},
		{
			name: "missing registry actions are added",
			mutate: func(in *Input) {
				in.Sequences = []SequenceRow{
					{Table: "InstallExecuteSequence", Action: "InstallInitialize", Sequence: optInt(1500)},
					{Table: "InstallExecuteSequence", Action: "InstallFinalize", Sequence: optInt(6600)},
					{Table: "InstallExecuteSequence", Action: "Taken", Sequence: optInt(5000)},
				}
			},
			check: func(t *testing.T, plan *Plan) {
				want := []Action{{"WriteRegistryValues", 5001, seqInstall}, {"RemoveRegistryValues", 2600, seqInstall}}
				if diff := cmp.Diff(want, plan.Actions); diff != "" {
					t.Errorf("actions (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "merge module: registry actions go to ModuleInstallExecuteSequence",
			mutate: func(in *Input) {
				in.MergeModule = true
				in.Sequences = []SequenceRow{
					{Table: seqModule, Action: "WriteRegistryValues", Sequence: optInt(5000)},
					{Table: seqInstall, Action: "InstallFinalize", Sequence: optInt(6600)},
				}
			},
			check: func(t *testing.T, plan *Plan) {
				want := []Action{{"RemoveRegistryValues", 2600, seqModule}}
				if diff := cmp.Diff(want, plan.Actions); diff != "" {
					t.Errorf("actions (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "64-bit component in a 32-bit package",
			mutate: func(in *Input) {
				in.Components[0].Attributes = comp64
			},
			check: func(t *testing.T, plan *Plan) {
				if !hasNote(plan, edit.Warning, tblClass, "bitness") || len(plan.Add) == 0 {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
		{
			name: "verb of an extension without ProgId, MIME without extension",
			mutate: func(in *Input) {
				in.Extensions[0].ProgID = ""
				in.MIMEs = []MIMERow{{ContentType: "x/odd", Extension: "nope", ref: RowRef{Key: []string{"x/odd"}}}}
			},
			check: func(t *testing.T, plan *Plan) {
				if !hasNote(plan, edit.Info, tblVerb, "no ProgId_") || !hasNote(plan, edit.Warning, tblMIME, "not in the Extension table") {
					t.Errorf("notes: %+v", plan.Notes)
				}
				if !contains(kVs(plan), kV{".odd", "*", "", "Comp"}) {
					t.Errorf("bare extension key missing: %+v", kVs(plan))
				}
			},
		},
		{
			name: "feature favours advertising",
			mutate: func(in *Input) {
				in.FeatureAttributes.Set("Main", featFavorAdvertise)
			},
			check: func(t *testing.T, plan *Plan) {
				if !hasNote(plan, edit.Warning, tblClass, "favours advertising") || !hasNote(plan, edit.Warning, tblExtension, "favours advertising") || len(plan.Add) == 0 {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
		{
			name: "class feature does not hold the component",
			mutate: func(in *Input) {
				in.Features = append(in.Features, "Other")
				in.Classes[0].Feature = "Other"
			},
			check: func(t *testing.T, plan *Plan) {
				if !hasNote(plan, edit.Warning, tblClass, "does not contain component Comp") {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := oddBase()
			tt.mutate(in)
			plan := makePlan(in, tt.opts)
			tt.check(t, plan)
			// Whatever the data, a second run over the result is a no-op.
			second := makePlan(apply(in, plan), tt.opts)
			if len(second.Add) != 0 || len(second.Remove) != 0 {
				t.Errorf("not idempotent: second run adds %d, removes %d", len(second.Add), len(second.Remove))
			}
		})
	}
}

func contains(rows []kV, want kV) bool {
	for _, r := range rows {
		if r == want {
			return true
		}
	}
	return false
}

// hostile builds n-sized worst cases for the mapping: n Class rows with
// one CLSID and context from n components, a ProgId parent chain n long,
// n extensions with one name, n verbs and n MIME types on them.
func hostile(n int) *Input {
	in := oddBase()
	const clsid = "{AAAAAAAA-0000-0000-0000-000000000001}"
	for i := 0; i < n; i++ {
		comp := "C" + strconv.Itoa(i)
		file := "f" + strconv.Itoa(i)
		in.Components = append(in.Components, ComponentRow{Component: comp, ComponentID: fixtureGUID, KeyPath: file})
		in.Files = append(in.Files, FileRow{File: file, Component: comp, FileName: file})
		in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{"Main", comp})
		in.Classes = append(in.Classes, ClassRow{CLSID: clsid, Context: "InprocServer32", Component: comp, ProgIDDefault: "P0", Feature: "Main",
			ref: RowRef{Key: []string{clsid, "InprocServer32", comp}}})
		parent := ""
		if i > 0 {
			parent = "P" + strconv.Itoa(i-1)
		}
		in.ProgIDs = append(in.ProgIDs, ProgIDRow{ProgID: "P" + strconv.Itoa(i), Parent: parent, Class: clsid, ref: RowRef{Key: []string{"P" + strconv.Itoa(i)}}})
		in.Extensions = append(in.Extensions, ExtensionRow{Extension: "x", Component: comp, ProgID: "P" + strconv.Itoa(i), Feature: "Main", ref: RowRef{Key: []string{"x", comp}}})
		in.Verbs = append(in.Verbs, VerbRow{Extension: "x", Verb: "v" + strconv.Itoa(i), Sequence: optInt(int32(i)), ref: RowRef{Key: []string{"x", "v" + strconv.Itoa(i)}}})
		in.MIMEs = append(in.MIMEs, MIMERow{ContentType: "t/" + strconv.Itoa(i), Extension: "x", CLSID: clsid, ref: RowRef{Key: []string{"t/" + strconv.Itoa(i)}}})
	}
	return in
}

// TestPlanHostileScale is the safety check on adversarial sizes: the
// mapping is linear in the table sizes, and its notes stay bounded.
func TestPlanHostileScale(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 2000
	}
	in := hostile(n)
	done := make(chan *Plan, 1)
	go func() { done <- makePlan(in, Options{DropUnexpressible: true}) }()
	select {
	case plan := <-done:
		total := 0
		for _, note := range plan.Notes {
			if len(note.Reason) > 4096 {
				t.Fatalf("note of %d bytes: %.200s…", len(note.Reason), note.Reason)
			}
			total += len(note.Reason)
		}
		if len(plan.Notes) > 20*n || total > 1000*n {
			t.Errorf("%d notes, %d bytes for %d-row tables", len(plan.Notes), total, n)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("planning %d-row tables did not finish in 60 s", n)
	}
}

func BenchmarkPlanClassRegistry(b *testing.B) {
	in := hostile(2000)
	b.ReportAllocs()
	for b.Loop() {
		makePlan(in, Options{})
	}
}

// TestPlanRandom plans many small random packages whose rows refer to each
// other at random (dangling references, cycles, duplicates, odd values):
// planning must not panic, added identifiers must be unique, every added
// row must name an existing component, and a second run over the result
// must change nothing.
func TestPlanRandom(t *testing.T) {
	iters := 3000
	if testing.Short() {
		iters = 300
	}
	rng := rand.New(rand.NewPCG(seed(), 2))
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	clsids := []string{"", "{C0000000-0000-0000-0000-000000000001}", "{c0000000-0000-0000-0000-000000000001}", "{C0000000-0000-0000-0000-000000000002}", "{C0000000-0000-0000-0000-000000000003}"}
	progs := []string{"", "P.1", "p.1", "P", "Q.1", "Q", "R"}
	comps := []string{"A", "B", "Reg", "Dir", "Missing"}
	exts := []string{"", "e1", "E1", ".e2", "e3"}
	for it := 0; it < iters; it++ {
		in := &Input{
			ProductCode: "{11111111-2222-3333-4444-555555555555}",
			Platform:    pick("Intel", "x64", ""),
			AllUsers:    pick("1", "", "2"),
			Components: []ComponentRow{{Component: "A", ComponentID: fixtureGUID, KeyPath: "a.dll"}, {Component: "B", ComponentID: fixtureGUID, Attributes: comp64, KeyPath: "b.exe"},
				{Component: "Reg", ComponentID: fixtureGUID, Attributes: compRegistryKeyPath, KeyPath: "r"}, {Component: "Dir", ComponentID: fixtureGUID}},
			Files:             []FileRow{{File: "a.dll", Component: "A", FileName: "a.dll"}, {File: "b.exe", Component: "B", FileName: "B~1.EXE|b [x].exe"}},
			Features:          []string{"F"},
			FeatureComponents: []FeatureComponent{{"F", "A"}, {"F", "B"}},
			Icons:             []string{"i.ico"},
			Sequences: []SequenceRow{{Table: "InstallExecuteSequence", Action: "InstallInitialize", Sequence: optInt(1500)},
				{Table: "InstallExecuteSequence", Action: "InstallFinalize", Sequence: optInt(6600)}},
		}
		seen := map[string]bool{}
		for n := rng.IntN(5); n > 0; n-- {
			c := ClassRow{CLSID: pick(clsids[1:]...), Context: pick("InprocServer32", "LocalServer32", "localserver", "InprocHandler"), Component: pick(comps...),
				ProgIDDefault: pick(progs...), Description: pick("", "D", "#d [x]"), AppID: pick("", "{A0000000-0000-0000-0000-000000000001}", "{A0000000-0000-0000-0000-000000000009}"),
				FileTypeMask: pick("", "1;2", ";x", "a;;b"), Icon: pick("", "i.ico", "gone.ico"), DefInprocHandler: pick("", "1", "2", "3", "0", "h|hand.dll"),
				Argument: pick("", "/x [P]"), Feature: pick("F", "F", "Nope"), Attributes: OptInt{V: int32(rng.IntN(3)), Valid: rng.IntN(2) == 0}}
			if rng.IntN(3) == 0 {
				c.IconIndex = optInt(int32(rng.IntN(5) - 2))
			}
			k := strings.ToLower(c.CLSID) + "|" + c.Context + "|" + c.Component
			if seen[k] {
				continue
			}
			seen[k] = true
			c.ref = RowRef{Key: []string{c.CLSID, c.Context, c.Component}}
			in.Classes = append(in.Classes, c)
		}
		for _, name := range progs[1:] {
			if rng.IntN(2) == 0 || seen["p"+strings.ToLower(name)] {
				continue
			}
			seen["p"+strings.ToLower(name)] = true
			in.ProgIDs = append(in.ProgIDs, ProgIDRow{ProgID: name, Parent: pick(progs...), Class: pick(clsids...), Description: pick("", "x"),
				Icon: pick("", "i.ico"), ref: RowRef{Key: []string{name}}})
		}
		if rng.IntN(2) == 0 {
			in.AppIDs = append(in.AppIDs, AppIDRow{AppID: "{A0000000-0000-0000-0000-000000000001}", RemoteServerName: pick("", "[H]"), DllSurrogate: pick("", "#s"),
				ActivateAtStorage: OptInt{V: int32(rng.IntN(2)), Valid: rng.IntN(2) == 0}, RunAsInteractiveUser: optInt(1), ref: RowRef{Key: []string{"{A0000000-0000-0000-0000-000000000001}"}}})
		}
		for n := rng.IntN(4); n > 0; n-- {
			e := ExtensionRow{Extension: pick(exts[1:]...), Component: pick(comps...), ProgID: pick(progs...), MIME: pick("", "m/1", "m/2"), Feature: pick("F", "Nope")}
			k := "e" + e.Extension + "|" + e.Component
			if seen[k] {
				continue
			}
			seen[k] = true
			e.ref = RowRef{Key: []string{e.Extension, e.Component}}
			in.Extensions = append(in.Extensions, e)
		}
		for n := rng.IntN(4); n > 0; n-- {
			v := VerbRow{Extension: pick(exts[1:]...), Verb: pick("open", "print", "edit"), Command: pick("", "&Go", "#1"), Argument: pick("", `"%1"`)}
			if rng.IntN(2) == 0 {
				v.Sequence = optInt(int32(rng.IntN(3)))
			}
			k := "v" + v.Extension + "|" + v.Verb
			if seen[k] {
				continue
			}
			seen[k] = true
			v.ref = RowRef{Key: []string{v.Extension, v.Verb}}
			in.Verbs = append(in.Verbs, v)
		}
		for _, ct := range []string{"m/1", "m/2"} {
			if rng.IntN(2) == 0 {
				in.MIMEs = append(in.MIMEs, MIMERow{ContentType: ct, Extension: pick(exts[1:]...), CLSID: pick(clsids...), ref: RowRef{Key: []string{ct}}})
			}
		}
		if rng.IntN(3) == 0 {
			in.Registry = []RegistryRow{{ID: "regX", Root: int16(rng.IntN(4) - 1), Key: pick(`CLSID\{C0000000-0000-0000-0000-000000000001}`, `Software\Classes\P.1`, ".e1"), Value: pick("v", "[~]"), Component: "A"}}
		}
		opts := Options{DropUnexpressible: rng.IntN(2) == 0, NoIconCache: rng.IntN(4) == 0}
		plan := makePlan(in, opts)
		ids := map[string]bool{"regX": true}
		for _, a := range plan.Add {
			if ids[a.Row.ID] {
				t.Fatalf("iteration %d: duplicate identifier %s", it, a.Row.ID)
			}
			ids[a.Row.ID] = true
			if a.Row.Component == "Missing" || a.Row.Component == "" {
				t.Fatalf("iteration %d: row %+v under component %s", it, a.Row, a.Row.Component)
			}
		}
		second := makePlan(apply(in, plan), opts)
		if len(second.Add) != 0 || len(second.Remove) != 0 || len(second.Actions) != 0 {
			t.Fatalf("iteration %d: second run adds %d, removes %d, actions %d\nfirst: %+v\nsecond: %+v", it, len(second.Add), len(second.Remove), len(second.Actions), plan, second)
		}
	}
}

// seed is 1, or $MSIKIT_CLASSREG_SEED for longer local runs.
func seed() uint64 {
	var n uint64 = 1
	if s := os.Getenv("MSIKIT_CLASSREG_SEED"); s != "" {
		fmt.Sscan(s, &n)
	}
	return n
}
