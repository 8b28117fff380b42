package classreg

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
)

// A ProgId follows the first registered class of its Class, or the first
// registered extension of its name, found once for the name: each ProgId
// walked the rows to it. 30,000 ProgIds past 30,000 unregistered classes
// of their CLSID took 1.7 s of CPU to plan (9.3 s, allocating 7.4 GB,
// when the ProgIds form one cycle); 30,000 ProgIds of one name in as
// many cases past 30,000 unregistered extensions, 5.1 s (2.8 s of CPU).
// At 50,000 (100,000 extensions) each is now under a second.
func TestPlanProgIDsPastUnregisteredRows(t *testing.T) {
	const n = 50000
	classes := func(cyclic bool) *Input {
		in, live := unregisteredFirst(n)
		for i := range n {
			id, parent := "Q"+strconv.Itoa(i), ""
			if cyclic {
				parent = "Q" + strconv.Itoa((i+1)%n)
			}
			in.ProgIDs = append(in.ProgIDs, ProgIDRow{ProgID: id, Parent: parent, Class: live.CLSID, ref: RowRef{Key: []string{id}}})
		}
		return in
	}
	// cased returns the name of 17 p's with the letters i's bits set in
	// upper case.
	cased := func(i int) string {
		b := []byte(strings.Repeat("p", 17))
		for bit := range b {
			if i>>bit&1 == 1 {
				b[bit] = 'P'
			}
		}
		return string(b)
	}
	extensions := oddBase()
	for i := range 2 * n {
		id, e := cased(i), "d"+strconv.Itoa(i)
		extensions.ProgIDs = append(extensions.ProgIDs, ProgIDRow{ProgID: id, ref: RowRef{Key: []string{id}}})
		extensions.Extensions = append(extensions.Extensions, ExtensionRow{Extension: e, Component: "Nope", ProgID: cased(0), Feature: "Main", ref: RowRef{Key: []string{e, "Nope"}}})
	}
	for _, tt := range []struct {
		name string
		in   *Input
		// ProgId keys written (Q…\CLSID) with the live class's
		// component: every ProgId of the chain, none of the cycle (a
		// problem, not rows).
		progIDKeys int
	}{
		{"chain of classes", classes(false), n},
		{"cycle", classes(true), 0},
		{"extensions", extensions, 0},
	} {
		var plan *Plan
		testenv.CheckBudgetOf(t, tt.name, 3*time.Second, 1<<30, func() { plan = makePlan(tt.in, Options{MaxChanges: 10 * n}) })
		if plan.over != "" {
			t.Fatalf("%s: plan over: %s", tt.name, plan.over)
		}
		keys := 0
		for _, r := range kVs(plan) {
			if strings.HasPrefix(r.Key, "Q") && strings.HasSuffix(r.Key, `\CLSID`) && r.Component == "Comp" {
				keys++
			}
		}
		if keys != tt.progIDKeys {
			t.Errorf("%s: %d ProgId keys written, want %d", tt.name, keys, tt.progIDKeys)
		}
	}
}

// unregisteredFirst returns oddBase with n unregistered Class rows (of a
// feature not in the table) of its class's CLSID before that class, and
// the class.
func unregisteredFirst(n int) (*Input, ClassRow) {
	in := oddBase()
	live := in.Classes[0]
	in.Classes = in.Classes[:0]
	for i := range n {
		ctx := "Ctx" + strconv.Itoa(i)
		in.Classes = append(in.Classes, ClassRow{CLSID: live.CLSID, Context: ctx, Component: "Comp", Feature: "Gone", ref: RowRef{Key: []string{live.CLSID, ctx, "Comp"}}})
	}
	in.Classes = append(in.Classes, live)
	return in, live
}
