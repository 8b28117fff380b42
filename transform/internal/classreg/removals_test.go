package classreg

import (
	"math"
	"strconv"
	"testing"
	"unsafe"
)

// The plan's removals are allocated once, at the number of rows it
// converts, not grown by append (which held up to twice as many, and
// their copies while it grew: 39 MB at the peak of the plan of 200,000
// verbs of one extension, for 13 MB of removals).
func TestPlanRemovalsAllocatedOnce(t *testing.T) {
	in := oddBase()
	for i := range 5000 {
		v := "v" + strconv.Itoa(i)
		in.Verbs = append(in.Verbs, VerbRow{Extension: "odd", Verb: v, Sequence: optInt(int32(i)), Argument: `"%1"`, ref: RowRef{Key: []string{"odd", v}}})
	}
	plan := planFor(in, Options{MaxChanges: math.MaxInt32})
	if len(plan.Remove) < 5000 {
		t.Fatalf("%d rows removed, want the 5,000 verbs at least", len(plan.Remove))
	}
	// A page of slack for the allocator's size classes.
	if slack := cap(plan.Remove) - len(plan.Remove); slack*int(unsafe.Sizeof(Removal{})) > 8<<10 {
		t.Errorf("%d removals in a slice of capacity %d", len(plan.Remove), cap(plan.Remove))
	}
}
