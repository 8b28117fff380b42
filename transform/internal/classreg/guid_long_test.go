package classreg

import (
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// TestOwnerGUIDsOfLongTexts: the GUIDs of new components quote the
// package's ProductCode (in a merge module, its ModuleID) and the
// original component's ComponentId; a long one, a pooled text of a
// crafted package, is hashed once, not joined and hashed for each new
// component. A module of a 1 MiB ModuleID with 1,000 unmanaged
// components, each with a class (a registry-only component each), and a
// component of a 1 MiB ComponentId in 1,000 features, each with a class
// of it, each allocated 2 GB in makePlan (11 s of CPU for msikit rewrite
// of such a module of 40,000 components, 4.5 MB). The GUIDs stay each
// its own and the same on every run.
func TestOwnerGUIDsOfLongTexts(t *testing.T) {
	long := strings.Repeat("M", 1<<20)
	module := func() *Input {
		in := oddBase()
		in.ProgIDs, in.Extensions, in.Verbs = nil, nil, nil
		in.MergeModule, in.ModuleID, in.ModuleLanguage = true, long+".AAAA_BBBB", "1033"
		in.ProductCode = ""
		class := in.Classes[0]
		class.ProgIDDefault = ""
		in.Classes = nil
		for i := range 1000 {
			c := fmt.Sprintf("U%d", i)
			in.Components = append(in.Components, ComponentRow{Component: c, KeyPath: "thing.dll"})
			class.CLSID = fmt.Sprintf("{AAAAAAAA-0000-0000-0000-%012d}", i)
			class.Component, class.Feature = c, nullGUID
			class.ref = RowRef{Key: []string{class.CLSID, class.Context, c}}
			in.Classes = append(in.Classes, class)
		}
		return in
	}
	installer := func() *Input {
		in := ownersOfOneLongComponent(1000)
		const short = "Short"
		for i := range in.Classes {
			in.Classes[i].Component = short
		}
		in.Components[0].Component, in.Files[0].Component = short, short
		in.Components[0].ComponentID = long
		for i := range in.FeatureComponents {
			in.FeatureComponents[i].Component = short
		}
		return in
	}
	for _, tc := range []struct {
		name string
		in   func() *Input
	}{{"module of a long ModuleID", module}, {"component of a long ComponentId", installer}} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in()
			var plan *Plan
			testenv.CheckBudget(t, "makePlan", func() { plan = makePlan(in, Options{}) })
			if len(plan.Components) < 1000 {
				t.Fatalf("%d new components, want 1,000 or more", len(plan.Components))
			}
			again := makePlan(tc.in(), Options{})
			seen := map[string]bool{}
			for i, nc := range plan.Components {
				if seen[nc.ComponentID] || !strings.HasPrefix(nc.ComponentID, "{") {
					t.Fatalf("new component %s: ComponentId %q, want a GUID of its own", nc.Component, nc.ComponentID)
				}
				seen[nc.ComponentID] = true
				if again.Components[i].ComponentID != nc.ComponentID {
					t.Fatalf("new component %s: ComponentId %s, then %s", nc.Component, nc.ComponentID, again.Components[i].ComponentID)
				}
			}
		})
	}
}
