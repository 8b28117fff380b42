package transform

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/msikit/msikit/internal/testenv"
)

// crGoldenCases are the corpus packages with hand-written expected Registry
// rows (testdata/classreg/README.md explains each row).
var crGoldenCases = []struct {
	name, file, golden string
}{
	{"synth-com-advertised", "synthetic/synth-com-advertised.msi", "synth-com-advertised.Registry.idt"},
	{"wix-Class-OldClassTableDef", "real/wix-Class-OldClassTableDef.msi", "wix-Class-OldClassTableDef.Registry.idt"},
}

func crCorpusFile(t *testing.T, rel string) string {
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
	for _, tc := range crGoldenCases {
		t.Run(tc.name, func(t *testing.T) {
			in := inputFromMsiinfo(t, crCorpusFile(t, tc.file))
			plan := planClassRegistry(in, ClassToRegistryOptions{})
			got := append([]crRegistryRow(nil), in.Registry...)
			for _, a := range plan.Add {
				got = append(got, a.Row)
			}
			crSortRegistry(got)
			want := crReadGolden(t, filepath.Join("testdata", "classreg", tc.golden))
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
			add(crTblClass, len(in.Classes))
			add(crTblProgID, len(in.ProgIDs))
			add(crTblAppID, len(in.AppIDs))
			add(crTblExtension, len(in.Extensions))
			add(crTblVerb, len(in.Verbs))
			add(crTblMIME, len(in.MIMEs))
			if diff := cmp.Diff(wantRemoved, removed); diff != "" {
				t.Errorf("removed rows per table (-want +got):\n%s", diff)
			}
			for _, n := range plan.Notes {
				if n.Severity == Warning && n.Table != crTblTypeLib {
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
func crOddBase() *classRegInput {
	return &classRegInput{
		ProductCode: "{11111111-2222-3333-4444-555555555555}",
		Platform:    "Intel",
		AllUsers:    "1",
		Classes: []classRow{{
			CLSID: "{AAAAAAAA-0000-0000-0000-000000000001}", Context: "InprocServer32", Component: "Comp",
			ProgIDDefault: "Odd.Thing.1", Description: "Odd Thing", Feature: "Main",
			ref: crRowRef{Key: []string{"{AAAAAAAA-0000-0000-0000-000000000001}", "InprocServer32", "Comp"}},
		}},
		ProgIDs: []progIDRow{
			{ProgID: "Odd.Thing.1", Class: "{AAAAAAAA-0000-0000-0000-000000000001}", Description: "Odd Thing 1", ref: crRowRef{Key: []string{"Odd.Thing.1"}}},
			{ProgID: "Odd.Thing", Parent: "Odd.Thing.1", Description: "Odd Thing", ref: crRowRef{Key: []string{"Odd.Thing"}}},
		},
		Extensions:        []extensionRow{{Extension: "odd", Component: "Comp", ProgID: "Odd.Thing.1", Feature: "Main", ref: crRowRef{Key: []string{"odd", "Comp"}}}},
		Verbs:             []verbRow{{Extension: "odd", Verb: "open", Sequence: crInt(1), Argument: `"%1"`, ref: crRowRef{Key: []string{"odd", "open"}}}},
		Components:        []crComponentRow{{Component: "Comp", KeyPath: "thing.dll"}, {Component: "RegComp", Attributes: crCompRegistryKeyPath, KeyPath: "reg1"}, {Component: "DirComp"}},
		Files:             []crFileRow{{File: "thing.dll", Component: "Comp", FileName: "thing~1.dll|thing.dll"}},
		Features:          []string{"Main"},
		FeatureComponents: []crFeatureComponent{{Feature: "Main", Component: "Comp"}},
		HasRegistryTable:  true,
		Sequences: []crSequenceRow{
			{Table: "InstallExecuteSequence", Action: "InstallInitialize", Sequence: crInt(1500)},
			{Table: "InstallExecuteSequence", Action: "RemoveRegistryValues", Sequence: crInt(2600)},
			{Table: "InstallExecuteSequence", Action: "WriteRegistryValues", Sequence: crInt(5000)},
			{Table: "InstallExecuteSequence", Action: "InstallFinalize", Sequence: crInt(6600)},
		},
	}
}

// kv is a Registry row without its identifier, for readable expectations.
type crKV struct{ Key, Name, Value, Component string }

func crKVs(plan *classRegPlan) []crKV {
	var out []crKV
	for _, a := range plan.Add {
		out = append(out, crKV{a.Row.Key, a.Row.Name, a.Row.Value, a.Row.Component})
	}
	return out
}

func crHasNote(plan *classRegPlan, sev Severity, table, substr string) bool {
	for _, n := range plan.Notes {
		if n.Severity == sev && n.Table == table && strings.Contains(n.Reason, substr) {
			return true
		}
	}
	return false
}

func crRemovedKeys(plan *classRegPlan) []string {
	var out []string
	for _, r := range plan.Remove {
		out = append(out, r.Table+":"+strings.Join(r.Ref.Key, "/"))
	}
	return out
}

const crC1 = `CLSID\{AAAAAAAA-0000-0000-0000-000000000001}`

func TestPlanBase(t *testing.T) {
	plan := planClassRegistry(crOddBase(), ClassToRegistryOptions{})
	want := []crKV{
		{crC1, "", "Odd Thing", "Comp"},
		{crC1 + `\InprocServer32`, "", "[#thing.dll]", "Comp"},
		{crC1 + `\VersionIndependentProgID`, "", "Odd.Thing", "Comp"},
		{crC1 + `\ProgID`, "", "Odd.Thing.1", "Comp"},
		{"Odd.Thing.1", "", "Odd Thing 1", "Comp"},
		{`Odd.Thing.1\CLSID`, "", "{AAAAAAAA-0000-0000-0000-000000000001}", "Comp"},
		{"Odd.Thing", "", "Odd Thing", "Comp"},
		{`Odd.Thing\CLSID`, "", "{AAAAAAAA-0000-0000-0000-000000000001}", "Comp"},
		{`Odd.Thing\CurVer`, "", "Odd.Thing.1", "Comp"},
		{".odd", "", "Odd.Thing.1", "Comp"},
		{`Odd.Thing.1\shell\open\command`, "", `"[#thing.dll]" "%1"`, "Comp"},
		{`Odd.Thing.1\shell`, "", "open", "Comp"},
	}
	if diff := cmp.Diff(want, crKVs(plan)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	wantRemoved := []string{"Class:{AAAAAAAA-0000-0000-0000-000000000001}/InprocServer32/Comp", "ProgId:Odd.Thing.1", "ProgId:Odd.Thing", "Extension:odd/Comp", "Verb:odd/open"}
	if diff := cmp.Diff(wantRemoved, crRemovedKeys(plan)); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	if len(plan.Notes) != 0 {
		t.Errorf("notes on a clean package: %+v", plan.Notes)
	}
}

// TestPlanIdempotent applies a plan to its input and plans again: nothing
// more to do, and the identifiers are stable across runs.
func TestPlanIdempotent(t *testing.T) {
	in := crOddBase()
	plan := planClassRegistry(in, ClassToRegistryOptions{})
	again := planClassRegistry(crOddBase(), ClassToRegistryOptions{})
	if diff := cmp.Diff(plan.Add, again.Add); diff != "" {
		t.Errorf("two runs differ:\n%s", diff)
	}
	out := crApply(in, plan)
	second := planClassRegistry(out, ClassToRegistryOptions{})
	if len(second.Add) != 0 || len(second.Remove) != 0 || len(second.Actions) != 0 {
		t.Errorf("second run changes things: %+v", second)
	}
}

// applyPlanToInput is the plain-row equivalent of what ClassToRegistry does
// to a database.
func crApply(in *classRegInput, plan *classRegPlan) *classRegInput {
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
		if !drop[crTblClass][i] {
			out.Classes = append(out.Classes, r)
		}
	}
	for i, r := range in.ProgIDs {
		if !drop[crTblProgID][i] {
			out.ProgIDs = append(out.ProgIDs, r)
		}
	}
	for i, r := range in.AppIDs {
		if !drop[crTblAppID][i] {
			out.AppIDs = append(out.AppIDs, r)
		}
	}
	for i, r := range in.Extensions {
		if !drop[crTblExtension][i] {
			out.Extensions = append(out.Extensions, r)
		}
	}
	for i, r := range in.Verbs {
		if !drop[crTblVerb][i] {
			out.Verbs = append(out.Verbs, r)
		}
	}
	for i, r := range in.MIMEs {
		if !drop[crTblMIME][i] {
			out.MIMEs = append(out.MIMEs, r)
		}
	}
	out.Registry = append([]crRegistryRow(nil), in.Registry...)
	for _, a := range plan.Add {
		out.Registry = append(out.Registry, a.Row)
	}
	out.Sequences = append([]crSequenceRow(nil), in.Sequences...)
	for _, a := range plan.Actions {
		out.Sequences = append(out.Sequences, crSequenceRow{Table: a.Table, Action: a.Action, Sequence: crInt(a.Sequence)})
	}
	out.Components = append([]crComponentRow(nil), in.Components...)
	out.FeatureComponents = append([]crFeatureComponent(nil), in.FeatureComponents...)
	for _, c := range plan.Components {
		out.Components = append(out.Components, crComponentRow{Component: c.Component, ComponentID: c.ComponentID, Directory: c.Directory,
			Attributes: c.Attributes, Condition: c.Condition, KeyPath: c.KeyPath})
		out.FeatureComponents = append(out.FeatureComponents, crFeatureComponent{c.Feature, c.Component})
	}
	return &out
}

// TestPlanClassFeature checks that registration follows the Class (and
// Extension) row's feature, as msiexec registers it: a component held by
// that feature alone keeps the rows; a component also in other features,
// or not in that feature, gets a new registry-only component held only
// by the feature.
func TestPlanClassFeature(t *testing.T) {
	twoFeatures := func() *classRegInput {
		in := crOddBase()
		in.Features = append(in.Features, "Other")
		in.FeatureComponents = append(in.FeatureComponents, crFeatureComponent{"Other", "Comp"})
		in.Components[0].Attributes = crComp64 | 0x10 // 64-bit, permanent
		in.Components[0].ComponentID = "{AAAAAAAA-1111-0000-0000-000000000001}"
		in.Components[0].Directory = "INSTALLDIR"
		in.Components[0].Condition = "VersionNT64"
		in.Platform = "x64"
		return in
	}
	t.Run("component in two features", func(t *testing.T) {
		in := twoFeatures()
		plan := planClassRegistry(in, ClassToRegistryOptions{})
		if len(plan.Components) != 1 {
			t.Fatalf("new components %+v, want one", plan.Components)
		}
		nc := plan.Components[0]
		want := crNewComponent{Component: "reg_Comp_Main", From: "Comp", Feature: "Main", Directory: "INSTALLDIR",
			Attributes: crCompRegistryKeyPath | crComp64, Condition: "VersionNT64"}
		got := nc
		got.ComponentID, got.KeyPath, got.Reason = "", "", ""
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("new component (-want +got):\n%s", diff)
		}
		if !reGUIDTest.MatchString(nc.ComponentID) {
			t.Errorf("ComponentId %q is not a GUID", nc.ComponentID)
		}
		if again := planClassRegistry(twoFeatures(), ClassToRegistryOptions{}); again.Components[0].ComponentID != nc.ComponentID {
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
		out := crApply(in, plan)
		if second := planClassRegistry(out, ClassToRegistryOptions{}); len(second.Add)+len(second.Remove)+len(second.Components) != 0 {
			t.Errorf("second run changes things: %+v", second)
		}
	})
	t.Run("component in its feature only", func(t *testing.T) {
		plan := planClassRegistry(crOddBase(), ClassToRegistryOptions{})
		if len(plan.Components) != 0 {
			t.Errorf("new components %+v for a component only its feature holds", plan.Components)
		}
	})
	t.Run("feature does not hold the component", func(t *testing.T) {
		in := crOddBase()
		in.Features = append(in.Features, "Other")
		in.FeatureComponents = []crFeatureComponent{{"Other", "Comp"}}
		plan := planClassRegistry(in, ClassToRegistryOptions{})
		if len(plan.Components) != 1 || plan.Components[0].Feature != "Main" {
			t.Errorf("new components %+v, want one held by Main", plan.Components)
		}
	})
	t.Run("merge module", func(t *testing.T) {
		in := twoFeatures()
		in.MergeModule = true
		plan := planClassRegistry(in, ClassToRegistryOptions{})
		if len(plan.Components) != 0 {
			t.Errorf("new components %+v in a merge module", plan.Components)
		}
	})
	t.Run("narrow columns", func(t *testing.T) {
		in := twoFeatures()
		in.ComponentWidth, in.RegistryWidth = 12, 20
		plan := planClassRegistry(in, ClassToRegistryOptions{})
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
		opts   ClassToRegistryOptions
		mutate func(in *classRegInput)
		check  func(t *testing.T, plan *classRegPlan)
	}{
		{
			name:   "missing component",
			mutate: func(in *classRegInput) { in.Classes[0].Component = "Nope" },
			check: func(t *testing.T, plan *classRegPlan) {
				if !crHasNote(plan, Warning, crTblClass, "never registers this class: component Nope is not in the Component table") {
					t.Errorf("no note: %+v", plan.Notes)
				}
				for _, r := range plan.Remove {
					if r.Table == crTblClass {
						t.Errorf("dead class removed: %+v", r)
					}
				}
			},
		},
		{
			name:   "component without key file",
			mutate: func(in *classRegInput) { in.Classes[0].Component = "DirComp" },
			check: func(t *testing.T, plan *classRegPlan) {
				if !crHasNote(plan, Warning, crTblClass, "has no key file") {
					t.Errorf("no note: %+v", plan.Notes)
				}
			},
		},
		{
			name:   "registry key path",
			mutate: func(in *classRegInput) { in.Classes[0].Component = "RegComp" },
			check: func(t *testing.T, plan *classRegPlan) {
				if !crHasNote(plan, Warning, crTblClass, "registry key path") {
					t.Errorf("no note: %+v", plan.Notes)
				}
			},
		},
		{
			name:   "dangling ProgId parent",
			mutate: func(in *classRegInput) { in.ProgIDs[1].Parent = "Gone.1" },
			check: func(t *testing.T, plan *classRegPlan) {
				if !crHasNote(plan, Warning, crTblProgID, "ProgId_Parent Gone.1 is not in the ProgId table") {
					t.Errorf("no note: %+v", plan.Notes)
				}
				if !crHasNote(plan, Info, crTblProgID, "never registers this ProgId") {
					t.Errorf("orphan ProgId not reported: %+v", plan.Notes)
				}
				for _, r := range crKVs(plan) {
					if strings.Contains(r.Key, "VersionIndependentProgID") || strings.Contains(r.Key, "CurVer") {
						t.Errorf("version-independent row from a dangling parent: %+v", r)
					}
				}
			},
		},
		{
			name: "ProgId_Parent cycle keeps the group",
			mutate: func(in *classRegInput) {
				in.ProgIDs[0].Parent = "Odd.Thing"
			},
			check: func(t *testing.T, plan *classRegPlan) {
				if len(plan.Add) != 0 || len(plan.Remove) != 0 {
					t.Errorf("cycle group converted: add %d remove %d", len(plan.Add), len(plan.Remove))
				}
				if !crHasNote(plan, Warning, crTblClass, "left advertised") || !crHasNote(plan, Warning, crTblProgID, "cycle") {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
		{
			name:   "ProgId_Parent cycle dropped",
			opts:   ClassToRegistryOptions{DropUnexpressible: true},
			mutate: func(in *classRegInput) { in.ProgIDs[0].Parent = "Odd.Thing" },
			check: func(t *testing.T, plan *classRegPlan) {
				for _, r := range crKVs(plan) {
					if strings.HasPrefix(r.Key, "Odd.Thing") && !strings.Contains(r.Key, `\shell`) {
						t.Errorf("row for a cyclic ProgId: %+v", r)
					}
				}
				if !crHasNote(plan, Warning, crTblProgID, "dropped the ProgId") {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
		{
			name: "duplicate CLSID across contexts",
			mutate: func(in *classRegInput) {
				c := in.Classes[0]
				c.Context = "LocalServer32"
				c.Argument = "/auto [ProductName]"
				c.ref = crRowRef{Key: []string{c.CLSID, c.Context, c.Component}}
				in.Classes = append(in.Classes, c)
			},
			check: func(t *testing.T, plan *classRegPlan) {
				if !crHasNote(plan, Info, crTblClass, "has 2 Class rows") {
					t.Errorf("notes: %+v", plan.Notes)
				}
				n := 0
				for _, r := range crKVs(plan) {
					if r.Key == crC1 && r.Name == "" {
						n++
					}
					if r.Key == crC1+`\LocalServer32` && r.Value != `"[#thing.dll]" /auto [ProductName]` {
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
			mutate: func(in *classRegInput) {
				in.Components = append(in.Components, crComponentRow{Component: "Comp2", KeyPath: "other.exe"})
				in.Files = append(in.Files, crFileRow{File: "other.exe", Component: "Comp2", FileName: "other.exe"})
				in.FeatureComponents = append(in.FeatureComponents, crFeatureComponent{"Main", "Comp2"})
				c := in.Classes[0]
				c.Context, c.Component = "LocalServer32", "Comp2"
				c.ref = crRowRef{Key: []string{c.CLSID, c.Context, c.Component}}
				in.Classes[0].ProgIDDefault = ""
				in.Classes = append(in.Classes, c)
			},
			check: func(t *testing.T, plan *classRegPlan) {
				if !crContains(crKVs(plan), crKV{"Odd.Thing.1", "", "Odd Thing 1", "Comp2"}) {
					t.Errorf("ProgId not registered with the class row naming it: %+v", crKVs(plan))
				}
			},
		},
		{
			name: "same context from two components",
			mutate: func(in *classRegInput) {
				in.Components = append(in.Components, crComponentRow{Component: "Comp2", KeyPath: "other.dll"})
				in.Files = append(in.Files, crFileRow{File: "other.dll", Component: "Comp2", FileName: "other.dll"})
				in.FeatureComponents = append(in.FeatureComponents, crFeatureComponent{"Main", "Comp2"})
				c := in.Classes[0]
				c.Component = "Comp2"
				c.ref = crRowRef{Key: []string{c.CLSID, c.Context, c.Component}}
				in.Classes = append(in.Classes, c)
			},
			check: func(t *testing.T, plan *classRegPlan) {
				if len(plan.Add) != 0 || !crHasNote(plan, Warning, crTblClass, "registered by two components") {
					t.Errorf("conflict not kept: %+v", plan.Notes)
				}
			},
		},
		{
			name: "per-user icon is unexpressible",
			mutate: func(in *classRegInput) {
				in.AllUsers = ""
				in.Icons = []string{"odd.ico"}
				in.Classes[0].Icon = "odd.ico"
			},
			check: func(t *testing.T, plan *classRegPlan) {
				if len(plan.Add) != 0 || !crHasNote(plan, Warning, crTblClass, "not per-machine") {
					t.Errorf("icon group converted: %+v", plan.Notes)
				}
			},
		},
		{
			name: "per-machine icon uses the icon cache",
			mutate: func(in *classRegInput) {
				in.Icons = []string{"odd.ico"}
				in.Classes[0].Icon = "odd.ico"
				in.Classes[0].IconIndex = crInt(-3)
			},
			check: func(t *testing.T, plan *classRegPlan) {
				want := crKV{crC1 + `\DefaultIcon`, "", `[WindowsFolder]Installer\[ProductCode]\odd.ico,-3`, "Comp"}
				if !crContains(crKVs(plan), want) {
					t.Errorf("missing %+v in %+v", want, crKVs(plan))
				}
			},
		},
		{
			name: "icon cache disabled, dropped",
			opts: ClassToRegistryOptions{NoIconCache: true, DropUnexpressible: true},
			mutate: func(in *classRegInput) {
				in.Icons = []string{"odd.ico"}
				in.Classes[0].Icon = "odd.ico"
			},
			check: func(t *testing.T, plan *classRegPlan) {
				for _, r := range crKVs(plan) {
					if strings.HasSuffix(r.Key, "DefaultIcon") {
						t.Errorf("DefaultIcon written: %+v", r)
					}
				}
				if len(plan.Add) == 0 || !crHasNote(plan, Warning, crTblClass, "dropped DefaultIcon") {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
		{
			name: "handlers, relative path, file types, escaping",
			mutate: func(in *classRegInput) {
				c := &in.Classes[0]
				c.DefInprocHandler = "3"
				c.Attributes = crInt(crClassRelativePath)
				c.FileTypeMask = "0,2,FFFF,4D5A;;1,1,FF,00"
				c.Description = "#1 [beta] {x}"
			},
			check: func(t *testing.T, plan *classRegPlan) {
				got := crKVs(plan)
				for _, want := range []crKV{
					{crC1, "", `##1 [\[]beta[\]] [\{]x[\}]`, "Comp"},
					{crC1 + `\InprocServer32`, "", "thing.dll", "Comp"},
					{crC1 + `\InprocHandler`, "", "ole2.dll", "Comp"},
					{crC1 + `\InprocHandler32`, "", "ole32.dll", "Comp"},
					{`FileType\{AAAAAAAA-0000-0000-0000-000000000001}\0`, "", "0,2,FFFF,4D5A", "Comp"},
				} {
					if !crContains(got, want) {
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
			mutate: func(in *classRegInput) { in.Classes[0].DefInprocHandler = "MYHAND~1.DLL|myhandler.dll" },
			check: func(t *testing.T, plan *classRegPlan) {
				if !crContains(crKVs(plan), crKV{crC1 + `\InprocHandler32`, "", "myhandler.dll", "Comp"}) {
					t.Errorf("rows: %+v", crKVs(plan))
				}
			},
		},
		{
			name: "AppId values",
			mutate: func(in *classRegInput) {
				in.Classes[0].AppID = "{BBBBBBBB-0000-0000-0000-000000000001}"
				in.AppIDs = []appIDRow{{AppID: "{BBBBBBBB-0000-0000-0000-000000000001}", RemoteServerName: "[HOST]", LocalService: "Svc", DllSurrogate: "sur.exe",
					ActivateAtStorage: crInt(0), RunAsInteractiveUser: crInt(1), ref: crRowRef{Key: []string{"{BBBBBBBB-0000-0000-0000-000000000001}"}}}}
			},
			check: func(t *testing.T, plan *classRegPlan) {
				got := crKVs(plan)
				const k = `AppID\{BBBBBBBB-0000-0000-0000-000000000001}`
				for _, want := range []crKV{
					{crC1, "AppID", "{BBBBBBBB-0000-0000-0000-000000000001}", "Comp"},
					{k, "", "Odd Thing", "Comp"},
					{k, "RemoteServerName", "[HOST]", "Comp"},
					{k, "LocalService", "Svc", "Comp"},
					{k, "DllSurrogate", "sur.exe", "Comp"},
					{k, "RunAs", "Interactive User", "Comp"},
				} {
					if !crContains(got, want) {
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
			mutate: func(in *classRegInput) {
				in.Registry = []crRegistryRow{{ID: "regOld", Root: 0, Key: crC1 + `\InprocServer32`, Value: "[#other]", Component: "Comp"}}
			},
			check: func(t *testing.T, plan *classRegPlan) {
				for _, r := range crKVs(plan) {
					if r.Key == crC1+`\InprocServer32` {
						t.Errorf("duplicate of an existing row: %+v", r)
					}
				}
				if !crHasNote(plan, Warning, crTblRegistry, "already won") {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
		{
			name: "identifier taken by an unrelated row",
			mutate: func(in *classRegInput) {
				in.Registry = []crRegistryRow{{ID: crRegistryID(0, crC1, "", "Comp"), Root: 2, Key: `Software\Other`, Value: "x", Component: "Comp"}}
			},
			check: func(t *testing.T, plan *classRegPlan) {
				want := crRegistryID(0, crC1, "", "Comp") + "_2"
				if len(plan.Add) == 0 || plan.Add[0].Row.ID != want || plan.Add[0].Row.Key != crC1 {
					t.Errorf("first row %+v, want identifier %s", plan.Add[0].Row, want)
				}
			},
		},
		{
			name: "missing registry actions are added",
			mutate: func(in *classRegInput) {
				in.Sequences = []crSequenceRow{
					{Table: "InstallExecuteSequence", Action: "InstallInitialize", Sequence: crInt(1500)},
					{Table: "InstallExecuteSequence", Action: "InstallFinalize", Sequence: crInt(6600)},
					{Table: "InstallExecuteSequence", Action: "Taken", Sequence: crInt(5000)},
				}
			},
			check: func(t *testing.T, plan *classRegPlan) {
				want := []crAction{{"WriteRegistryValues", 5001, crSeqInstall}, {"RemoveRegistryValues", 2600, crSeqInstall}}
				if diff := cmp.Diff(want, plan.Actions); diff != "" {
					t.Errorf("actions (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "merge module: registry actions go to ModuleInstallExecuteSequence",
			mutate: func(in *classRegInput) {
				in.MergeModule = true
				in.Sequences = []crSequenceRow{
					{Table: crSeqModule, Action: "WriteRegistryValues", Sequence: crInt(5000)},
					{Table: crSeqInstall, Action: "InstallFinalize", Sequence: crInt(6600)},
				}
			},
			check: func(t *testing.T, plan *classRegPlan) {
				want := []crAction{{"RemoveRegistryValues", 2600, crSeqModule}}
				if diff := cmp.Diff(want, plan.Actions); diff != "" {
					t.Errorf("actions (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "64-bit component in a 32-bit package",
			mutate: func(in *classRegInput) {
				in.Components[0].Attributes = crComp64
			},
			check: func(t *testing.T, plan *classRegPlan) {
				if !crHasNote(plan, Warning, crTblClass, "bitness") || len(plan.Add) == 0 {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
		{
			name: "verb of an extension without ProgId, MIME without extension",
			mutate: func(in *classRegInput) {
				in.Extensions[0].ProgID = ""
				in.MIMEs = []mimeRow{{ContentType: "x/odd", Extension: "nope", ref: crRowRef{Key: []string{"x/odd"}}}}
			},
			check: func(t *testing.T, plan *classRegPlan) {
				if !crHasNote(plan, Info, crTblVerb, "no ProgId_") || !crHasNote(plan, Warning, crTblMIME, "not in the Extension table") {
					t.Errorf("notes: %+v", plan.Notes)
				}
				if !crContains(crKVs(plan), crKV{".odd", "*", "", "Comp"}) {
					t.Errorf("bare extension key missing: %+v", crKVs(plan))
				}
			},
		},
		{
			name: "feature favours advertising",
			mutate: func(in *classRegInput) {
				in.FeatureAttributes = map[string]int32{"Main": crFeatFavorAdvertise}
			},
			check: func(t *testing.T, plan *classRegPlan) {
				if !crHasNote(plan, Warning, crTblClass, "favours advertising") || !crHasNote(plan, Warning, crTblExtension, "favours advertising") || len(plan.Add) == 0 {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
		{
			name: "class feature does not hold the component",
			mutate: func(in *classRegInput) {
				in.Features = append(in.Features, "Other")
				in.Classes[0].Feature = "Other"
			},
			check: func(t *testing.T, plan *classRegPlan) {
				if !crHasNote(plan, Warning, crTblClass, "does not contain component Comp") {
					t.Errorf("notes: %+v", plan.Notes)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := crOddBase()
			tt.mutate(in)
			plan := planClassRegistry(in, tt.opts)
			tt.check(t, plan)
			// Whatever the data, a second run over the result is a no-op.
			second := planClassRegistry(crApply(in, plan), tt.opts)
			if len(second.Add) != 0 || len(second.Remove) != 0 {
				t.Errorf("not idempotent: second run adds %d, removes %d", len(second.Add), len(second.Remove))
			}
		})
	}
}

func crContains(rows []crKV, want crKV) bool {
	for _, r := range rows {
		if r == want {
			return true
		}
	}
	return false
}

// crHostile builds n-sized worst cases for the mapping: n Class rows with
// one CLSID and context from n components, a ProgId parent chain n long,
// n extensions with one name, n verbs and n MIME types on them.
func crHostile(n int) *classRegInput {
	in := crOddBase()
	const clsid = "{AAAAAAAA-0000-0000-0000-000000000001}"
	for i := 0; i < n; i++ {
		comp := "C" + crItoa(i)
		file := "f" + crItoa(i)
		in.Components = append(in.Components, crComponentRow{Component: comp, KeyPath: file})
		in.Files = append(in.Files, crFileRow{File: file, Component: comp, FileName: file})
		in.FeatureComponents = append(in.FeatureComponents, crFeatureComponent{"Main", comp})
		in.Classes = append(in.Classes, classRow{CLSID: clsid, Context: "InprocServer32", Component: comp, ProgIDDefault: "P0", Feature: "Main",
			ref: crRowRef{Key: []string{clsid, "InprocServer32", comp}}})
		parent := ""
		if i > 0 {
			parent = "P" + crItoa(i-1)
		}
		in.ProgIDs = append(in.ProgIDs, progIDRow{ProgID: "P" + crItoa(i), Parent: parent, Class: clsid, ref: crRowRef{Key: []string{"P" + crItoa(i)}}})
		in.Extensions = append(in.Extensions, extensionRow{Extension: "x", Component: comp, ProgID: "P" + crItoa(i), Feature: "Main", ref: crRowRef{Key: []string{"x", comp}}})
		in.Verbs = append(in.Verbs, verbRow{Extension: "x", Verb: "v" + crItoa(i), Sequence: crInt(int32(i)), ref: crRowRef{Key: []string{"x", "v" + crItoa(i)}}})
		in.MIMEs = append(in.MIMEs, mimeRow{ContentType: "t/" + crItoa(i), Extension: "x", CLSID: clsid, ref: crRowRef{Key: []string{"t/" + crItoa(i)}}})
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
	in := crHostile(n)
	done := make(chan *classRegPlan, 1)
	go func() { done <- planClassRegistry(in, ClassToRegistryOptions{DropUnexpressible: true}) }()
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
	in := crHostile(2000)
	b.ReportAllocs()
	for b.Loop() {
		planClassRegistry(in, ClassToRegistryOptions{})
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
	rng := rand.New(rand.NewPCG(crSeed(), 2))
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	clsids := []string{"", "{C0000000-0000-0000-0000-000000000001}", "{c0000000-0000-0000-0000-000000000001}", "{C0000000-0000-0000-0000-000000000002}", "{C0000000-0000-0000-0000-000000000003}"}
	progs := []string{"", "P.1", "p.1", "P", "Q.1", "Q", "R"}
	comps := []string{"A", "B", "Reg", "Dir", "Missing"}
	exts := []string{"", "e1", "E1", ".e2", "e3"}
	for it := 0; it < iters; it++ {
		in := &classRegInput{
			ProductCode: "{11111111-2222-3333-4444-555555555555}",
			Platform:    pick("Intel", "x64", ""),
			AllUsers:    pick("1", "", "2"),
			Components: []crComponentRow{{Component: "A", KeyPath: "a.dll"}, {Component: "B", Attributes: crComp64, KeyPath: "b.exe"},
				{Component: "Reg", Attributes: crCompRegistryKeyPath, KeyPath: "r"}, {Component: "Dir"}},
			Files:             []crFileRow{{File: "a.dll", Component: "A", FileName: "a.dll"}, {File: "b.exe", Component: "B", FileName: "B~1.EXE|b [x].exe"}},
			Features:          []string{"F"},
			FeatureComponents: []crFeatureComponent{{"F", "A"}, {"F", "B"}},
			Icons:             []string{"i.ico"},
			Sequences: []crSequenceRow{{Table: "InstallExecuteSequence", Action: "InstallInitialize", Sequence: crInt(1500)},
				{Table: "InstallExecuteSequence", Action: "InstallFinalize", Sequence: crInt(6600)}},
		}
		seen := map[string]bool{}
		for n := rng.IntN(5); n > 0; n-- {
			c := classRow{CLSID: pick(clsids[1:]...), Context: pick("InprocServer32", "LocalServer32", "localserver", "InprocHandler"), Component: pick(comps...),
				ProgIDDefault: pick(progs...), Description: pick("", "D", "#d [x]"), AppID: pick("", "{A0000000-0000-0000-0000-000000000001}", "{A0000000-0000-0000-0000-000000000009}"),
				FileTypeMask: pick("", "1;2", ";x", "a;;b"), Icon: pick("", "i.ico", "gone.ico"), DefInprocHandler: pick("", "1", "2", "3", "0", "h|hand.dll"),
				Argument: pick("", "/x [P]"), Feature: pick("F", "F", "Nope"), Attributes: crOptInt{V: int32(rng.IntN(3)), Valid: rng.IntN(2) == 0}}
			if rng.IntN(3) == 0 {
				c.IconIndex = crInt(int32(rng.IntN(5) - 2))
			}
			k := crLower(c.CLSID) + "|" + c.Context + "|" + c.Component
			if seen[k] {
				continue
			}
			seen[k] = true
			c.ref = crRowRef{Key: []string{c.CLSID, c.Context, c.Component}}
			in.Classes = append(in.Classes, c)
		}
		for _, name := range progs[1:] {
			if rng.IntN(2) == 0 || seen["p"+crLower(name)] {
				continue
			}
			seen["p"+crLower(name)] = true
			in.ProgIDs = append(in.ProgIDs, progIDRow{ProgID: name, Parent: pick(progs...), Class: pick(clsids...), Description: pick("", "x"),
				Icon: pick("", "i.ico"), ref: crRowRef{Key: []string{name}}})
		}
		if rng.IntN(2) == 0 {
			in.AppIDs = append(in.AppIDs, appIDRow{AppID: "{A0000000-0000-0000-0000-000000000001}", RemoteServerName: pick("", "[H]"), DllSurrogate: pick("", "#s"),
				ActivateAtStorage: crOptInt{V: int32(rng.IntN(2)), Valid: rng.IntN(2) == 0}, RunAsInteractiveUser: crInt(1), ref: crRowRef{Key: []string{"{A0000000-0000-0000-0000-000000000001}"}}})
		}
		for n := rng.IntN(4); n > 0; n-- {
			e := extensionRow{Extension: pick(exts[1:]...), Component: pick(comps...), ProgID: pick(progs...), MIME: pick("", "m/1", "m/2"), Feature: pick("F", "Nope")}
			k := "e" + e.Extension + "|" + e.Component
			if seen[k] {
				continue
			}
			seen[k] = true
			e.ref = crRowRef{Key: []string{e.Extension, e.Component}}
			in.Extensions = append(in.Extensions, e)
		}
		for n := rng.IntN(4); n > 0; n-- {
			v := verbRow{Extension: pick(exts[1:]...), Verb: pick("open", "print", "edit"), Command: pick("", "&Go", "#1"), Argument: pick("", `"%1"`)}
			if rng.IntN(2) == 0 {
				v.Sequence = crInt(int32(rng.IntN(3)))
			}
			k := "v" + v.Extension + "|" + v.Verb
			if seen[k] {
				continue
			}
			seen[k] = true
			v.ref = crRowRef{Key: []string{v.Extension, v.Verb}}
			in.Verbs = append(in.Verbs, v)
		}
		for _, ct := range []string{"m/1", "m/2"} {
			if rng.IntN(2) == 0 {
				in.MIMEs = append(in.MIMEs, mimeRow{ContentType: ct, Extension: pick(exts[1:]...), CLSID: pick(clsids...), ref: crRowRef{Key: []string{ct}}})
			}
		}
		if rng.IntN(3) == 0 {
			in.Registry = []crRegistryRow{{ID: "regX", Root: int16(rng.IntN(4) - 1), Key: pick(`CLSID\{C0000000-0000-0000-0000-000000000001}`, `Software\Classes\P.1`, ".e1"), Value: pick("v", "[~]"), Component: "A"}}
		}
		opts := ClassToRegistryOptions{DropUnexpressible: rng.IntN(2) == 0, NoIconCache: rng.IntN(4) == 0}
		plan := planClassRegistry(in, opts)
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
		second := planClassRegistry(crApply(in, plan), opts)
		if len(second.Add) != 0 || len(second.Remove) != 0 || len(second.Actions) != 0 {
			t.Fatalf("iteration %d: second run adds %d, removes %d, actions %d\nfirst: %+v\nsecond: %+v", it, len(second.Add), len(second.Remove), len(second.Actions), plan, second)
		}
	}
}

// crSeed is 1, or $MSIKIT_CLASSREG_SEED for longer local runs.
func crSeed() uint64 {
	var n uint64 = 1
	if s := os.Getenv("MSIKIT_CLASSREG_SEED"); s != "" {
		fmt.Sscan(s, &n)
	}
	return n
}
