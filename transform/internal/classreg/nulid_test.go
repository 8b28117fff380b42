package classreg

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRegistryIDsNULInComponent: two classes of one CLSID, context
// InprocServer32 in component "\x00D" and context "InprocServer32\x00" in
// component "D", give default values whose identifiers hash the same
// text ("0", key, "", component joined by NULs); the second gets "_2"
// (both had one identifier, and the Registry table two rows of one
// primary key, when only a NUL in the key or name kept the first's).
func TestRegistryIDsNULInComponent(t *testing.T) {
	in := oddBase()
	in.ProgIDs, in.Extensions, in.Verbs = nil, nil, nil
	a, b := in.Classes[0], in.Classes[0]
	a.ProgIDDefault, b.ProgIDDefault = "", ""
	a.Component, a.Context = "\x00D", "InprocServer32"
	b.Component, b.Context = "D", "InprocServer32\x00"
	in.Classes = []ClassRow{a, b}
	in.Components = append(in.Components, ComponentRow{Component: "\x00D", ComponentID: fixtureGUID, KeyPath: "f1"}, ComponentRow{Component: "D", ComponentID: fixtureGUID, KeyPath: "f2"})
	in.Files = append(in.Files, FileRow{File: "f1", Component: "\x00D", FileName: "f1.dll"}, FileRow{File: "f2", Component: "D", FileName: "f2.dll"})
	in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{"Main", "\x00D"}, FeatureComponent{"Main", "D"})
	plan := makePlan(in, Options{})
	var got []string
	ids := map[string]bool{}
	for _, add := range plan.Add {
		if ids[add.Row.ID] {
			t.Errorf("identifier %s given twice", add.Row.ID)
		}
		ids[add.Row.ID] = true
		if add.Row.Name == "" && add.Row.Value != "Odd Thing" {
			got = append(got, add.Row.ID+" "+add.Row.Value)
		}
	}
	want := []string{"reg2F65C26DFF5E7B35F8B7CEF0E09A2D93 [#f1]", "reg2F65C26DFF5E7B35F8B7CEF0E09A2D93_2 [#f2]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the server keys' default values (-want +got):\n%s", diff)
	}
}
