package leaf

import (
	"context"
	"fmt"
	"iter"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/msikit/msikit/transform/internal/edit"

	"github.com/google/go-cmp/cmp"
)

// applyPlan returns in with plan applied, as leaf.go applies it to a
// database.
func applyPlan(in *Input, plan *Plan) *Input {
	out := &Input{Components: in.Components}
	out.Features = append(append([]Feature(nil), in.Features...), plan.Features...)
	out.Conditions = append(append([]Condition(nil), in.Conditions...), plan.Conditions...)
	rm := make(map[FeatureComponent]bool)
	for _, r := range plan.RemoveFC {
		rm[r] = true
	}
	for _, r := range in.FeatureComponents {
		if !rm[r] {
			out.FeatureComponents = append(out.FeatureComponents, r)
		}
	}
	out.FeatureComponents = append(out.FeatureComponents, plan.AddFC...)
	moved := make(map[string]string)
	for e, leaf := range repoints(plan) {
		moved[e.Table()+"\x00"+strings.Join(in.key(e), "\x00")] = leaf
	}
	for _, e := range in.Entries {
		if nf, ok := moved[e.Table()+"\x00"+strings.Join(in.key(&e), "\x00")]; ok {
			src := *e.src
			src.row = append([]string(nil), src.row...)
			src.row[src.ColIndex] = nf
			e.Feature, e.src = nf, &src
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}

// repoints yields each entry plan moves, with its leaf, in order.
func repoints(plan *Plan) iter.Seq2[*Entry, string] {
	return func(yield func(*Entry, string) bool) {
		for _, m := range plan.Moves {
			for _, e := range m.Entries {
				if !yield(e, m.Leaf) {
					return
				}
			}
		}
	}
}

func feat(name, parent string, level, attrs int32) Feature {
	return Feature{Name: name, Parent: parent, Title: name, Display: 1, Level: level, Attributes: attrs}
}

func EntryRow(table, key, comp, feature string) Entry {
	col := "Feature_"
	if table == "Shortcut" {
		col = "Target"
	}
	src := &source{Table: table, Column: col, ColIndex: 2, key: []string{key}, row: []string{key, comp, feature}}
	return Entry{src: src, Component: comp, Feature: feature}
}

// summary is a compact, comparable view of a plan.
type planSummary struct {
	Features   []string // name<parent level attrs
	Conditions []string
	RemoveFC   []string
	AddFC      []string
	Repoints   []string // table/key→feature
}

func summarize(p *Plan) planSummary {
	var s planSummary
	for _, f := range p.Features {
		s.Features = append(s.Features, fmt.Sprintf("%s<%s L%d A%d D%d", f.Name, f.Parent, f.Level, f.Attributes, f.Display))
	}
	for _, c := range p.Conditions {
		s.Conditions = append(s.Conditions, fmt.Sprintf("%s %d %s", c.Feature, c.Level, c.Condition))
	}
	for _, r := range p.RemoveFC {
		s.RemoveFC = append(s.RemoveFC, r.Feature+"/"+r.Component)
	}
	for _, r := range p.AddFC {
		s.AddFC = append(s.AddFC, r.Feature+"/"+r.Component)
	}
	for e, leaf := range repoints(p) {
		s.Repoints = append(s.Repoints, e.Table()+"/"+e.src.key[0]+"→"+leaf)
	}
	return s
}

func noteReasons(r *edit.Log) []string {
	var out []string
	for _, n := range r.Notes {
		out = append(out, string(n.Severity)+": "+n.Reason)
	}
	return out
}

func baseInput() *Input {
	return &Input{
		Features: []Feature{
			feat("Complete", "", 1, 0),
			feat("Core", "Complete", 3, 0),
		},
		FeatureComponents: []FeatureComponent{{"Core", "Srv"}, {"Core", "App"}, {"Core", "Data"}},
		Components:        []string{"Srv", "App", "Data"},
		Entries: []Entry{
			EntryRow("Class", "{C1}", "Srv", "Core"),
			EntryRow("Class", "{C2}", "Srv", "Core"),
			EntryRow("Shortcut", "AppLnk", "App", "Core"),
			EntryRow("Shortcut", "Plain", "App", "[#app.exe]"),
		},
	}
}

func TestPlanLeaves(t *testing.T) {
	deep := &Input{Components: []string{"A", "B"}}
	parent := ""
	for i := 1; i <= 16; i++ {
		name := fmt.Sprintf("F%d", i)
		deep.Features = append(deep.Features, feat(name, parent, 1, 0))
		parent = name
	}
	deep.FeatureComponents = []FeatureComponent{{"F15", "A"}, {"F15", "X"}, {"F16", "B"}, {"F16", "Y"}}
	deep.Components = []string{"A", "B", "X", "Y"}
	deep.Entries = []Entry{EntryRow("TypeLib", "T15", "A", "F15"), EntryRow("TypeLib", "T16", "B", "F16")}

	tests := []struct {
		name  string
		in    func() *Input
		opts  Options
		want  planSummary
		notes []string
	}{
		{
			name: "basic",
			in:   baseInput,
			want: planSummary{
				Features: []string{"Core_App<Core L3 A18 D0", "Core_Srv<Core L3 A18 D0"},
				RemoveFC: []string{"Core/App", "Core/Srv"},
				AddFC:    []string{"Core_App/App", "Core_Srv/Srv"},
				Repoints: []string{"Shortcut/AppLnk→Core_App", "Class/{C1}→Core_Srv", "Class/{C2}→Core_Srv"},
			},
		},
		{
			name: "keep in parent, allow absent, force disallow advertise",
			in:   baseInput,
			opts: Options{KeepInParent: true, AllowAbsent: true, DisallowAdvertise: true},
			want: planSummary{
				Features: []string{"Core_App<Core L3 A10 D0", "Core_Srv<Core L3 A10 D0"},
				AddFC:    []string{"Core_App/App", "Core_Srv/Srv"},
				Repoints: []string{"Shortcut/AppLnk→Core_App", "Class/{C1}→Core_Srv", "Class/{C2}→Core_Srv"},
			},
			notes: []string{
				`warning: leaf disallows advertising while its parent "Core" allows it (ICE10); an advertise-only install of "Core" will not register its entry points`,
				`warning: leaf disallows advertising while its parent "Core" allows it (ICE10); an advertise-only install of "Core" will not register its entry points`,
			},
		},
		{
			name: "only shortcuts",
			in:   baseInput,
			opts: Options{Tables: map[string]bool{"Shortcut": true}},
			want: planSummary{
				Features: []string{"Core_App<Core L3 A18 D0"},
				RemoveFC: []string{"Core/App"},
				AddFC:    []string{"Core_App/App"},
				Repoints: []string{"Shortcut/AppLnk→Core_App"},
			},
		},
		{
			name: "followers move with the component",
			in: func() *Input {
				in := baseInput()
				in.Entries = append(in.Entries, EntryRow("MsiAssembly", "App", "App", "Core"), EntryRow("MsiAssembly", "Data", "Data", "Core"))
				return in
			},
			opts: Options{Tables: map[string]bool{"Shortcut": true, "TypeLib": true}},
			want: planSummary{
				Features: []string{"Core_App<Core L3 A18 D0"},
				RemoveFC: []string{"Core/App"},
				AddFC:    []string{"Core_App/App"},
				Repoints: []string{"Shortcut/AppLnk→Core_App", "MsiAssembly/App→Core_App"},
			},
		},
		{
			name: "followers stay when the component stays",
			in: func() *Input {
				in := baseInput()
				in.Entries = append(in.Entries, EntryRow("MsiAssembly", "App", "App", "Core"))
				return in
			},
			opts: Options{KeepInParent: true, Tables: map[string]bool{"Shortcut": true}},
			want: planSummary{
				Features: []string{"Core_App<Core L3 A18 D0"},
				AddFC:    []string{"Core_App/App"},
				Repoints: []string{"Shortcut/AppLnk→Core_App"},
			},
		},
		{
			name: "assemblies opted in",
			in: func() *Input {
				in := baseInput()
				in.Entries = append(in.Entries, EntryRow("MsiAssembly", "Srv", "Srv", "Core"), EntryRow("MsiAssembly", "Data", "Data", "Core"))
				return in
			},
			opts: Options{Tables: map[string]bool{"Class": true, "MsiAssembly": true}},
			want: planSummary{
				Features: []string{"Core_Data<Core L3 A18 D0", "Core_Srv<Core L3 A18 D0"},
				RemoveFC: []string{"Core/Data", "Core/Srv"},
				AddFC:    []string{"Core_Data/Data", "Core_Srv/Srv"},
				Repoints: []string{"MsiAssembly/Data→Core_Data", "Class/{C1}→Core_Srv", "Class/{C2}→Core_Srv", "MsiAssembly/Srv→Core_Srv"},
			},
		},
		{
			name: "parent attributes and conditions",
			in: func() *Input {
				in := baseInput()
				in.Features[1].Attributes = featDisallowAdvertise | featNoUnsupportedAdvertise | 1
				in.Features[1].Level = 0
				in.Conditions = []Condition{{"Core", 1, "INSTALLCORE"}, {"Complete", 5, "X"}}
				in.Entries = in.Entries[:1]
				return in
			},
			want: planSummary{
				Features:   []string{"Core_Srv<Core L0 A58 D0"},
				Conditions: []string{"Core_Srv 1 INSTALLCORE"},
				RemoveFC:   []string{"Core/Srv"},
				AddFC:      []string{"Core_Srv/Srv"},
				Repoints:   []string{"Class/{C1}→Core_Srv"},
			},
		},
		{
			name: "shared component",
			in: func() *Input {
				in := baseInput()
				in.Features = append(in.Features, feat("Other", "Complete", 1, 0))
				in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{"Other", "Srv"}, FeatureComponent{"Other", "Data"})
				in.Entries = []Entry{EntryRow("Class", "{C1}", "Srv", "Core"), EntryRow("Extension", "ext", "Srv", "Other")}
				return in
			},
			want: planSummary{
				Features: []string{"Core_Srv<Core L3 A18 D0", "Other_Srv<Other L1 A18 D0"},
				RemoveFC: []string{"Core/Srv", "Other/Srv"},
				AddFC:    []string{"Core_Srv/Srv", "Other_Srv/Srv"},
				Repoints: []string{"Class/{C1}→Core_Srv", "Extension/ext→Other_Srv"},
			},
			notes: []string{
				`info: component "Srv" is shared with features Other, which keep it`,
				`info: component "Srv" is shared with features Core, which keep it`,
			},
		},
		{
			name: "odd data",
			in: func() *Input {
				in := baseInput()
				in.Features = append(in.Features,
					feat("CycA", "CycB", 1, 0), feat("CycB", "CycA", 1, 0),
					feat("Orphan", "Nowhere", 1, 0), feat("Self", "Self", 1, 0))
				in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{"CycA", "Srv"}, FeatureComponent{"CycA", "App"})
				in.Entries = []Entry{
					EntryRow("Class", "{C1}", "Srv", "Missing"),
					EntryRow("Class", "{C2}", "Srv", "CycA"),
					EntryRow("Class", "{C3}", "Ghost", "Core"),
					EntryRow("Class", "{C4}", "", "Core"),
					EntryRow("PublishComponent", "{P}", "App", "Orphan"),
					EntryRow("Shortcut", "Lnk", "App", "NoSuchFeature"),
					EntryRow("Shortcut", "Lnk2", "App", "[ProgramFilesFolder]x.exe"),
				}
				return in
			},
			want: planSummary{},
			notes: []string{
				`warning: Feature_Parent chain has a cycle through "CycA"; advertised entry points in this feature are left alone`,
				`warning: Feature_Parent chain has a cycle through "CycA"; advertised entry points in this feature are left alone`,
				`warning: Feature_Parent "Nowhere" names no feature; advertised entry points in this feature are left alone`,
				`warning: Feature_Parent chain has a cycle through "Self"; advertised entry points in this feature are left alone`,
				`warning: Feature_ "Missing" names no feature; left alone`,
				`warning: feature "CycA" is not in a valid feature tree (Feature_Parent chain has a cycle through "CycA"); left alone`,
				`warning: Component_ "Ghost" names no component; left alone`,
				`warning: entry point has no component; left alone`,
				`warning: feature "Orphan" is not in a valid feature tree (Feature_Parent "Nowhere" names no feature); left alone`,
				`warning: Target "NoSuchFeature" looks like a feature name but no such feature exists; left alone`,
			},
		},
		{
			name: "depth limit",
			in:   func() *Input { return deep },
			want: planSummary{
				Features: []string{"F15_A<F15 L1 A18 D0"},
				RemoveFC: []string{"F15/A"},
				AddFC:    []string{"F15_A/A"},
				Repoints: []string{"TypeLib/T15→F15_A"},
			},
			notes: []string{`warning: feature "F16" is 16 levels deep; a leaf under it would exceed the limit of 16; left alone`},
		},
		{
			name: "component not in named feature, single-component feature",
			in: func() *Input {
				in := baseInput()
				in.Features = append(in.Features, feat("Extras", "Core", 1, 0), feat("Solo", "Core", 1, 0))
				in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{"Extras", "Data"}, FeatureComponent{"Solo", "Data"})
				in.Features = append(in.Features, feat("Empty", "Core", 1, 0))
				in.Entries = []Entry{EntryRow("Extension", "syn2", "App", "Extras"), EntryRow("Class", "{E}", "Srv", "Empty"), EntryRow("Extension", "solo", "Data", "Solo")}
				return in
			},
			want: planSummary{},
			notes: []string{
				`warning: component "App" is not in feature "Extras", whose health check covers its 1 other components; left alone`,
				`info: component "Srv" is not in feature "Empty", which holds no components; left alone`,
				`info: feature "Solo" already holds only component "Data"; left alone`,
			},
		},
		{
			name: "name collisions and long names",
			in: func() *Input {
				in := baseInput()
				in.Features = append(in.Features, feat("core_srv", "Complete", 1, 0),
					feat("AVeryLongFeatureNameThatIsAlmost38Chars", "Complete", 1, 0))
				in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{"core_srv", "Data"},
					FeatureComponent{"AVeryLongFeatureNameThatIsAlmost38Chars", "Srv"}, FeatureComponent{"AVeryLongFeatureNameThatIsAlmost38Chars", "Data"})
				in.Entries = []Entry{EntryRow("Class", "{C1}", "Srv", "Core"), EntryRow("Class", "{C2}", "Srv", "AVeryLongFeatureNameThatIsAlmost38Chars")}
				return in
			},
			want: planSummary{
				Features: []string{"AVeryLongFeatureNameThatIsAlm_08E9494D<AVeryLongFeatureNameThatIsAlmost38Chars L1 A18 D0", "Core_Srv_72B6C9BF<Core L3 A18 D0"},
				RemoveFC: []string{"AVeryLongFeatureNameThatIsAlmost38Chars/Srv", "Core/Srv"},
				AddFC:    []string{"AVeryLongFeatureNameThatIsAlm_08E9494D/Srv", "Core_Srv_72B6C9BF/Srv"},
				Repoints: []string{"Class/{C2}→AVeryLongFeatureNameThatIsAlm_08E9494D", "Class/{C1}→Core_Srv_72B6C9BF"},
			},
			notes: []string{
				`info: component "Srv" is shared with features Core, which keep it`,
				`info: component "Srv" is shared with features AVeryLongFeatureNameThatIsAlmost38Chars, which keep it`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := &edit.Log{}
			plan := makePlan(tc.in(), tc.opts, rep)
			if diff := cmp.Diff(tc.want, summarize(plan)); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.notes, noteReasons(rep)); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			for _, f := range plan.Features {
				if len(f.Name) > maxFeatureKey || !looksLikeFeature(f.Name) {
					t.Errorf("leaf name %q is not a valid 38-character Identifier", f.Name)
				}
			}
			checkLeafInvariants(t, tc.in(), applyPlan(tc.in(), plan), tc.opts)

			// Idempotent: planning again over the result changes nothing.
			rep2 := &edit.Log{}
			plan2 := makePlan(applyPlan(tc.in(), plan), tc.opts, rep2)
			if !plan2.empty() || (len(rep2.Changes) > 0) {
				t.Errorf("second run changed something: %+v", summarize(plan2))
			}
		})
	}
}

// checkLeafInvariants checks the acceptance invariants on before/after row
// sets: every re-pointed entry names a hidden leaf that holds exactly its
// component (plus, with KeepInParent, nothing else is lost), the set of
// features installing each component only grew by leaves whose parent
// already installed it or holds the entry point, and the tree is a tree
// within the depth limit.
func checkLeafInvariants(t *testing.T, before, after *Input, opts Options) {
	t.Helper()
	feats := make(map[string]Feature)
	for _, f := range after.Features {
		feats[f.Name] = f
	}
	holds := make(map[string]map[string]bool)
	for _, r := range after.FeatureComponents {
		if holds[r.Feature] == nil {
			holds[r.Feature] = make(map[string]bool)
		}
		holds[r.Feature][r.Component] = true
	}
	origFeat := make(map[string]bool)
	for _, f := range before.Features {
		origFeat[f.Name] = true
	}
	for i := range after.Entries {
		e := &after.Entries[i]
		if origFeat[e.Feature] {
			continue
		}
		f, ok := feats[e.Feature]
		if !ok {
			continue
		}
		if f.Attributes&featFollowParent == 0 || f.Display != 0 || f.DisplayNull {
			t.Errorf("%s %v: leaf %s is not hidden and following its parent: %+v", e.Table(), after.key(e), f.Name, f)
		}
		if len(holds[f.Name]) != 1 || !holds[f.Name][e.Component] {
			t.Errorf("%s %v: leaf %s holds %v, want exactly %s", e.Table(), after.key(e), f.Name, holds[f.Name], e.Component)
		}
	}
	// Each original (feature, component) is still installed by that
	// feature or by a leaf that follows it.
	for _, r := range before.FeatureComponents {
		if holds[r.Feature][r.Component] {
			continue
		}
		found := false
		for name, f := range feats {
			if f.Parent == r.Feature && !origFeat[name] && f.Attributes&featFollowParent != 0 && holds[name][r.Component] {
				found = true
			}
		}
		if !found {
			t.Errorf("component %s no longer installed with feature %s", r.Component, r.Feature)
		}
	}
	// Tree: leaves hang under original features, below the depth limit.
	for name, f := range feats {
		if origFeat[name] {
			continue
		}
		d := 1
		for p := f.Parent; p != "" && d <= maxFeatureDepth+1; p = feats[p].Parent {
			d++
		}
		if d > maxFeatureDepth {
			t.Errorf("leaf %s is %d deep", name, d)
		}
	}
}

func TestLeafName(t *testing.T) {
	taken := map[string]bool{"a_b": true}
	got := []string{
		new(namer).featureName("Core", "ComServer", maxFeatureKey, taken),
		new(namer).featureName("A", "B", maxFeatureKey, taken),
		new(namer).featureName("9bad", "x-y", maxFeatureKey, taken),
		new(namer).featureName(strings.Repeat("P", 38), strings.Repeat("C", 72), maxFeatureKey, taken),
	}
	want := []string{"Core_ComServer", "A_B_", "_bad_x_y", strings.Repeat("P", 29) + "_"}
	for i := range got {
		if len(got[i]) > maxFeatureKey || !looksLikeFeature(got[i]) {
			t.Errorf("name %d = %q: not a valid key", i, got[i])
		}
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("name %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
	// Deterministic and unique.
	again := new(namer).featureName(strings.Repeat("P", 38), strings.Repeat("C", 72), maxFeatureKey, taken)
	if again != got[3] {
		t.Errorf("name not deterministic: %q then %q", got[3], again)
	}
	taken[strings.ToLower(got[3])] = true
	if third := new(namer).featureName(strings.Repeat("P", 38), strings.Repeat("C", 72), maxFeatureKey, taken); third == got[3] {
		t.Errorf("name returned a taken name %q", third)
	}
}

func TestPlanLeavesReport(t *testing.T) {
	rep := &edit.Log{}
	in := baseInput()
	in.Entries = in.Entries[:1]
	in.Entries[0].src.related = "Verb open"
	makePlan(in, Options{}, rep)
	var got []string
	for _, c := range rep.Changes {
		got = append(got, fmt.Sprintf("%s %s %v %v→%v (%s)", c.Op, c.Table, c.Key, c.Old, c.New, c.Reason))
	}
	want := []string{
		"add Feature [Core_Srv] []→[Core_Srv Core   0 3  18] (leaf for component Srv under Core)",
		"remove FeatureComponents [Core Srv] [Core Srv]→[] (moved to leaf Core_Srv)",
		"add FeatureComponents [Core_Srv Srv] []→[Core_Srv Srv] (advertised component in its own leaf)",
		"update Class [{C1}] [{C1} Srv Core]→[{C1} Srv Core_Srv] (Feature_ Core → Core_Srv; with Verb open)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

// TestPlanLeavesRandom runs the planner on random, often malformed row
// sets: it must not panic, must produce unique valid keys, keep the
// invariants and be idempotent.
func TestPlanLeavesRandom(t *testing.T) {
	tables := []string{"Class", "Extension", "Shortcut", "TypeLib", "PublishComponent", "MsiAssembly"}
	for seed := int64(1); seed <= 300; seed++ {
		rng := rand.New(rand.NewSource(seed))
		in := &Input{}
		nf := 1 + rng.Intn(25)
		name := func(i int) string {
			if rng.Intn(10) == 0 {
				return strings.Repeat("F", 30) + strconv.Itoa(i)
			}
			return "F" + strconv.Itoa(i)
		}
		fnames := make([]string, nf)
		for i := range fnames {
			fnames[i] = name(i)
		}
		for i, n := range fnames {
			parent := ""
			switch r := rng.Intn(10); {
			case r < 6 && i > 0:
				parent = fnames[rng.Intn(i)]
			case r == 6:
				parent = fnames[rng.Intn(nf)] // may make a cycle
			case r == 7:
				parent = "Missing"
			}
			in.Features = append(in.Features, Feature{Name: n, Parent: parent, Level: int32(rng.Intn(4)), Attributes: int32(rng.Intn(64)), Display: int32(rng.Intn(3))})
		}
		nc := 1 + rng.Intn(10)
		for c := 0; c < nc; c++ {
			in.Components = append(in.Components, "C"+strconv.Itoa(c))
		}
		for i := rng.Intn(40); i > 0; i-- {
			in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{fnames[rng.Intn(nf)], "C" + strconv.Itoa(rng.Intn(nc+1))})
		}
		for i := rng.Intn(15); i > 0; i-- {
			f := fnames[rng.Intn(nf)]
			if rng.Intn(8) == 0 {
				f = "Nowhere"
			}
			in.Entries = append(in.Entries, EntryRow(tables[rng.Intn(len(tables))], "K"+strconv.Itoa(i), "C"+strconv.Itoa(rng.Intn(nc+1)), f))
		}
		for i := rng.Intn(4); i > 0; i-- {
			in.Conditions = append(in.Conditions, Condition{fnames[rng.Intn(nf)], int32(rng.Intn(3)), "X"})
		}
		opts := Options{KeepInParent: rng.Intn(2) == 0}

		rep := &edit.Log{}
		plan := makePlan(in, opts, rep)
		seen := make(map[string]bool)
		for _, f := range in.Features {
			seen[strings.ToLower(f.Name)] = true
		}
		for _, f := range plan.Features {
			if seen[strings.ToLower(f.Name)] || len(f.Name) > maxFeatureKey || !looksLikeFeature(f.Name) {
				t.Fatalf("seed %d: bad or duplicate leaf name %q", seed, f.Name)
			}
			seen[strings.ToLower(f.Name)] = true
		}
		out := applyPlan(in, plan)
		checkLeafInvariants(t, in, out, opts)
		plan2 := makePlan(out, opts, &edit.Log{})
		if !plan2.empty() {
			t.Fatalf("seed %d: second run not empty: %+v", seed, summarize(plan2))
		}
	}
}

func BenchmarkPlanLeaves(b *testing.B) {
	in := leavesInput()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		makePlan(in, Options{}, &edit.Log{})
	}
}

// BenchmarkPlanLeavesStop is BenchmarkPlanLeaves with a Stop on a live
// context, as msikit rewrite runs the pass: what looking at the context
// every 1,024 steps costs.
func BenchmarkPlanLeavesStop(b *testing.B) {
	in := leavesInput()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		makePlan(in, Options{Stop: edit.NewStop(ctx, "leaf-features")}, &edit.Log{})
	}
}

// leavesInput is 2,000 features in chains of 10, each of 50 components,
// every fifth with a Class entry point.
func leavesInput() *Input {
	in := &Input{}
	parent := ""
	for i := 0; i < 2000; i++ {
		name := "F" + strconv.Itoa(i)
		in.Features = append(in.Features, Feature{Name: name, Parent: parent, Level: 1})
		if i%10 == 9 {
			parent = ""
		} else {
			parent = name
		}
		for c := 0; c < 50; c++ {
			comp := "C" + strconv.Itoa(i*50+c)
			in.Components = append(in.Components, comp)
			in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{name, comp})
			if c%5 == 0 {
				in.Entries = append(in.Entries, EntryRow("Class", "{"+comp+"}", comp, name))
			}
		}
	}
	return in
}
