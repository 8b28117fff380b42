package transform

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// leafApplyPlan returns in with plan applied, as leaf.go applies it to a
// database.
func leafApplyPlan(in *leafInput, plan *leafPlan) *leafInput {
	out := &leafInput{Components: in.Components}
	out.Features = append(append([]leafFeature(nil), in.Features...), plan.Features...)
	out.Conditions = append(append([]leafCondition(nil), in.Conditions...), plan.Conditions...)
	rm := make(map[leafFC]bool)
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
	for _, r := range plan.Repoints {
		moved[r.Entry.Table+"\x00"+strings.Join(r.Entry.Key, "\x00")] = r.NewFeature
	}
	for _, e := range in.Entries {
		if nf, ok := moved[e.Table+"\x00"+strings.Join(e.Key, "\x00")]; ok {
			e.Feature = nf
			e.Row = append([]string(nil), e.Row...)
			e.Row[e.ColIndex] = nf
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}

func leafFeat(name, parent string, level, attrs int32) leafFeature {
	return leafFeature{Name: name, Parent: parent, Title: name, Display: 1, Level: level, Attributes: attrs}
}

func leafEntryRow(table, key, comp, feature string) leafEntry {
	col := "Feature_"
	if table == "Shortcut" {
		col = "Target"
	}
	return leafEntry{Table: table, Key: []string{key}, Row: []string{key, comp, feature}, Column: col, ColIndex: 2, Component: comp, Feature: feature}
}

// summary is a compact, comparable view of a plan.
type leafPlanSummary struct {
	Features   []string // name<parent level attrs
	Conditions []string
	RemoveFC   []string
	AddFC      []string
	Repoints   []string // table/key→feature
}

func leafSummarize(p *leafPlan) leafPlanSummary {
	var s leafPlanSummary
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
	for _, r := range p.Repoints {
		s.Repoints = append(s.Repoints, r.Entry.Table+"/"+r.Entry.Key[0]+"→"+r.NewFeature)
	}
	return s
}

func leafNoteReasons(r *Report) []string {
	var out []string
	for _, n := range r.Notes {
		out = append(out, string(n.Severity)+": "+n.Reason)
	}
	return out
}

func leafBaseInput() *leafInput {
	return &leafInput{
		Features: []leafFeature{
			leafFeat("Complete", "", 1, 0),
			leafFeat("Core", "Complete", 3, 0),
		},
		FeatureComponents: []leafFC{{"Core", "Srv"}, {"Core", "App"}, {"Core", "Data"}},
		Components:        []string{"Srv", "App", "Data"},
		Entries: []leafEntry{
			leafEntryRow("Class", "{C1}", "Srv", "Core"),
			leafEntryRow("Class", "{C2}", "Srv", "Core"),
			leafEntryRow("Shortcut", "AppLnk", "App", "Core"),
			leafEntryRow("Shortcut", "Plain", "App", "[#app.exe]"),
		},
	}
}

func TestPlanLeaves(t *testing.T) {
	deep := &leafInput{Components: []string{"A", "B"}}
	parent := ""
	for i := 1; i <= 16; i++ {
		name := fmt.Sprintf("F%d", i)
		deep.Features = append(deep.Features, leafFeat(name, parent, 1, 0))
		parent = name
	}
	deep.FeatureComponents = []leafFC{{"F15", "A"}, {"F15", "X"}, {"F16", "B"}, {"F16", "Y"}}
	deep.Components = []string{"A", "B", "X", "Y"}
	deep.Entries = []leafEntry{leafEntryRow("TypeLib", "T15", "A", "F15"), leafEntryRow("TypeLib", "T16", "B", "F16")}

	tests := []struct {
		name  string
		in    func() *leafInput
		opts  leafOptions
		want  leafPlanSummary
		notes []string
	}{
		{
			name: "basic",
			in:   leafBaseInput,
			want: leafPlanSummary{
				Features: []string{"Core_App<Core L3 A18 D0", "Core_Srv<Core L3 A18 D0"},
				RemoveFC: []string{"Core/App", "Core/Srv"},
				AddFC:    []string{"Core_App/App", "Core_Srv/Srv"},
				Repoints: []string{"Shortcut/AppLnk→Core_App", "Class/{C1}→Core_Srv", "Class/{C2}→Core_Srv"},
			},
		},
		{
			name: "keep in parent, allow absent, force disallow advertise",
			in:   leafBaseInput,
			opts: leafOptions{KeepInParent: true, AllowAbsent: true, DisallowAdvertise: true},
			want: leafPlanSummary{
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
			in:   leafBaseInput,
			opts: leafOptions{Tables: map[string]bool{"Shortcut": true}},
			want: leafPlanSummary{
				Features: []string{"Core_App<Core L3 A18 D0"},
				RemoveFC: []string{"Core/App"},
				AddFC:    []string{"Core_App/App"},
				Repoints: []string{"Shortcut/AppLnk→Core_App"},
			},
		},
		{
			name: "followers move with the component",
			in: func() *leafInput {
				in := leafBaseInput()
				in.Entries = append(in.Entries, leafEntryRow("MsiAssembly", "App", "App", "Core"), leafEntryRow("MsiAssembly", "Data", "Data", "Core"))
				return in
			},
			opts: leafOptions{Tables: map[string]bool{"Shortcut": true, "TypeLib": true}},
			want: leafPlanSummary{
				Features: []string{"Core_App<Core L3 A18 D0"},
				RemoveFC: []string{"Core/App"},
				AddFC:    []string{"Core_App/App"},
				Repoints: []string{"Shortcut/AppLnk→Core_App", "MsiAssembly/App→Core_App"},
			},
		},
		{
			name: "followers stay when the component stays",
			in: func() *leafInput {
				in := leafBaseInput()
				in.Entries = append(in.Entries, leafEntryRow("MsiAssembly", "App", "App", "Core"))
				return in
			},
			opts: leafOptions{KeepInParent: true, Tables: map[string]bool{"Shortcut": true}},
			want: leafPlanSummary{
				Features: []string{"Core_App<Core L3 A18 D0"},
				AddFC:    []string{"Core_App/App"},
				Repoints: []string{"Shortcut/AppLnk→Core_App"},
			},
		},
		{
			name: "assemblies opted in",
			in: func() *leafInput {
				in := leafBaseInput()
				in.Entries = append(in.Entries, leafEntryRow("MsiAssembly", "Srv", "Srv", "Core"), leafEntryRow("MsiAssembly", "Data", "Data", "Core"))
				return in
			},
			opts: leafOptions{Tables: map[string]bool{"Class": true, "MsiAssembly": true}},
			want: leafPlanSummary{
				Features: []string{"Core_Data<Core L3 A18 D0", "Core_Srv<Core L3 A18 D0"},
				RemoveFC: []string{"Core/Data", "Core/Srv"},
				AddFC:    []string{"Core_Data/Data", "Core_Srv/Srv"},
				Repoints: []string{"MsiAssembly/Data→Core_Data", "Class/{C1}→Core_Srv", "Class/{C2}→Core_Srv", "MsiAssembly/Srv→Core_Srv"},
			},
		},
		{
			name: "parent attributes and conditions",
			in: func() *leafInput {
				in := leafBaseInput()
				in.Features[1].Attributes = featDisallowAdvertise | featNoUnsupportedAdvertise | 1
				in.Features[1].Level = 0
				in.Conditions = []leafCondition{{"Core", 1, "INSTALLCORE"}, {"Complete", 5, "X"}}
				in.Entries = in.Entries[:1]
				return in
			},
			want: leafPlanSummary{
				Features:   []string{"Core_Srv<Core L0 A58 D0"},
				Conditions: []string{"Core_Srv 1 INSTALLCORE"},
				RemoveFC:   []string{"Core/Srv"},
				AddFC:      []string{"Core_Srv/Srv"},
				Repoints:   []string{"Class/{C1}→Core_Srv"},
			},
		},
		{
			name: "shared component",
			in: func() *leafInput {
				in := leafBaseInput()
				in.Features = append(in.Features, leafFeat("Other", "Complete", 1, 0))
				in.FeatureComponents = append(in.FeatureComponents, leafFC{"Other", "Srv"}, leafFC{"Other", "Data"})
				in.Entries = []leafEntry{leafEntryRow("Class", "{C1}", "Srv", "Core"), leafEntryRow("Extension", "ext", "Srv", "Other")}
				return in
			},
			want: leafPlanSummary{
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
			in: func() *leafInput {
				in := leafBaseInput()
				in.Features = append(in.Features,
					leafFeat("CycA", "CycB", 1, 0), leafFeat("CycB", "CycA", 1, 0),
					leafFeat("Orphan", "Nowhere", 1, 0), leafFeat("Self", "Self", 1, 0))
				in.FeatureComponents = append(in.FeatureComponents, leafFC{"CycA", "Srv"}, leafFC{"CycA", "App"})
				in.Entries = []leafEntry{
					leafEntryRow("Class", "{C1}", "Srv", "Missing"),
					leafEntryRow("Class", "{C2}", "Srv", "CycA"),
					leafEntryRow("Class", "{C3}", "Ghost", "Core"),
					leafEntryRow("Class", "{C4}", "", "Core"),
					leafEntryRow("PublishComponent", "{P}", "App", "Orphan"),
					leafEntryRow("Shortcut", "Lnk", "App", "NoSuchFeature"),
					leafEntryRow("Shortcut", "Lnk2", "App", "[ProgramFilesFolder]x.exe"),
				}
				return in
			},
			want: leafPlanSummary{},
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
			in:   func() *leafInput { return deep },
			want: leafPlanSummary{
				Features: []string{"F15_A<F15 L1 A18 D0"},
				RemoveFC: []string{"F15/A"},
				AddFC:    []string{"F15_A/A"},
				Repoints: []string{"TypeLib/T15→F15_A"},
			},
			notes: []string{`warning: feature "F16" is 16 levels deep; a leaf under it would exceed the limit of 16; left alone`},
		},
		{
			name: "component not in named feature, single-component feature",
			in: func() *leafInput {
				in := leafBaseInput()
				in.Features = append(in.Features, leafFeat("Extras", "Core", 1, 0), leafFeat("Solo", "Core", 1, 0))
				in.FeatureComponents = append(in.FeatureComponents, leafFC{"Extras", "Data"}, leafFC{"Solo", "Data"})
				in.Features = append(in.Features, leafFeat("Empty", "Core", 1, 0))
				in.Entries = []leafEntry{leafEntryRow("Extension", "syn2", "App", "Extras"), leafEntryRow("Class", "{E}", "Srv", "Empty"), leafEntryRow("Extension", "solo", "Data", "Solo")}
				return in
			},
			want: leafPlanSummary{},
			notes: []string{
				`warning: component "App" is not in feature "Extras", whose health check covers its 1 other components; left alone`,
				`info: component "Srv" is not in feature "Empty", which holds no components; left alone`,
				`info: feature "Solo" already holds only component "Data"; left alone`,
			},
		},
		{
			name: "name collisions and long names",
			in: func() *leafInput {
				in := leafBaseInput()
				in.Features = append(in.Features, leafFeat("core_srv", "Complete", 1, 0),
					leafFeat("AVeryLongFeatureNameThatIsAlmost38Chars", "Complete", 1, 0))
				in.FeatureComponents = append(in.FeatureComponents, leafFC{"core_srv", "Data"},
					leafFC{"AVeryLongFeatureNameThatIsAlmost38Chars", "Srv"}, leafFC{"AVeryLongFeatureNameThatIsAlmost38Chars", "Data"})
				in.Entries = []leafEntry{leafEntryRow("Class", "{C1}", "Srv", "Core"), leafEntryRow("Class", "{C2}", "Srv", "AVeryLongFeatureNameThatIsAlmost38Chars")}
				return in
			},
			want: leafPlanSummary{
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
			rep := &Report{Pass: "leaf-features"}
			plan := planLeaves(tc.in(), tc.opts, rep)
			if diff := cmp.Diff(tc.want, leafSummarize(plan)); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.notes, leafNoteReasons(rep)); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			for _, f := range plan.Features {
				if len(f.Name) > maxFeatureKey || !looksLikeFeature(f.Name) {
					t.Errorf("leaf name %q is not a valid 38-character Identifier", f.Name)
				}
			}
			checkLeafInvariants(t, tc.in(), leafApplyPlan(tc.in(), plan), tc.opts)

			// Idempotent: planning again over the result changes nothing.
			rep2 := &Report{Pass: "leaf-features"}
			plan2 := planLeaves(leafApplyPlan(tc.in(), plan), tc.opts, rep2)
			if !plan2.empty() || rep2.Changed() {
				t.Errorf("second run changed something: %+v", leafSummarize(plan2))
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
func checkLeafInvariants(t *testing.T, before, after *leafInput, opts leafOptions) {
	t.Helper()
	feats := make(map[string]leafFeature)
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
	for _, e := range after.Entries {
		if origFeat[e.Feature] {
			continue
		}
		f, ok := feats[e.Feature]
		if !ok {
			continue
		}
		if f.Attributes&featFollowParent == 0 || f.Display != 0 || f.DisplayNull {
			t.Errorf("%s %v: leaf %s is not hidden and following its parent: %+v", e.Table, e.Key, f.Name, f)
		}
		if len(holds[f.Name]) != 1 || !holds[f.Name][e.Component] {
			t.Errorf("%s %v: leaf %s holds %v, want exactly %s", e.Table, e.Key, f.Name, holds[f.Name], e.Component)
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
		leafName("Core", "ComServer", maxFeatureKey, taken),
		leafName("A", "B", maxFeatureKey, taken),
		leafName("9bad", "x-y", maxFeatureKey, taken),
		leafName(strings.Repeat("P", 38), strings.Repeat("C", 72), maxFeatureKey, taken),
	}
	want := []string{"Core_ComServer", "A_B_", "_bad_x_y", strings.Repeat("P", 29) + "_"}
	for i := range got {
		if len(got[i]) > maxFeatureKey || !looksLikeFeature(got[i]) {
			t.Errorf("leafName %d = %q: not a valid key", i, got[i])
		}
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("leafName %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
	// Deterministic and unique.
	again := leafName(strings.Repeat("P", 38), strings.Repeat("C", 72), maxFeatureKey, taken)
	if again != got[3] {
		t.Errorf("leafName not deterministic: %q then %q", got[3], again)
	}
	taken[strings.ToLower(got[3])] = true
	if third := leafName(strings.Repeat("P", 38), strings.Repeat("C", 72), maxFeatureKey, taken); third == got[3] {
		t.Errorf("leafName returned a taken name %q", third)
	}
}

func TestPlanLeavesReport(t *testing.T) {
	rep := &Report{Pass: "leaf-features"}
	in := leafBaseInput()
	in.Entries = in.Entries[:1]
	in.Entries[0].Related = "Verb open"
	planLeaves(in, leafOptions{}, rep)
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
		in := &leafInput{}
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
			in.Features = append(in.Features, leafFeature{Name: n, Parent: parent, Level: int32(rng.Intn(4)), Attributes: int32(rng.Intn(64)), Display: int32(rng.Intn(3))})
		}
		nc := 1 + rng.Intn(10)
		for c := 0; c < nc; c++ {
			in.Components = append(in.Components, "C"+strconv.Itoa(c))
		}
		for i := rng.Intn(40); i > 0; i-- {
			in.FeatureComponents = append(in.FeatureComponents, leafFC{fnames[rng.Intn(nf)], "C" + strconv.Itoa(rng.Intn(nc+1))})
		}
		for i := rng.Intn(15); i > 0; i-- {
			f := fnames[rng.Intn(nf)]
			if rng.Intn(8) == 0 {
				f = "Nowhere"
			}
			in.Entries = append(in.Entries, leafEntryRow(tables[rng.Intn(len(tables))], "K"+strconv.Itoa(i), "C"+strconv.Itoa(rng.Intn(nc+1)), f))
		}
		for i := rng.Intn(4); i > 0; i-- {
			in.Conditions = append(in.Conditions, leafCondition{fnames[rng.Intn(nf)], int32(rng.Intn(3)), "X"})
		}
		opts := leafOptions{KeepInParent: rng.Intn(2) == 0}

		rep := &Report{}
		plan := planLeaves(in, opts, rep)
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
		out := leafApplyPlan(in, plan)
		checkLeafInvariants(t, in, out, opts)
		plan2 := planLeaves(out, opts, &Report{})
		if !plan2.empty() {
			t.Fatalf("seed %d: second run not empty: %+v", seed, leafSummarize(plan2))
		}
	}
}

func BenchmarkPlanLeaves(b *testing.B) {
	in := &leafInput{}
	parent := ""
	for i := 0; i < 2000; i++ {
		name := "F" + strconv.Itoa(i)
		in.Features = append(in.Features, leafFeature{Name: name, Parent: parent, Level: 1})
		if i%10 == 9 {
			parent = ""
		} else {
			parent = name
		}
		for c := 0; c < 50; c++ {
			comp := "C" + strconv.Itoa(i*50+c)
			in.Components = append(in.Components, comp)
			in.FeatureComponents = append(in.FeatureComponents, leafFC{name, comp})
			if c%5 == 0 {
				in.Entries = append(in.Entries, leafEntryRow("Class", "{"+comp+"}", comp, name))
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		planLeaves(in, leafOptions{}, &Report{})
	}
}
