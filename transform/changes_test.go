package transform

import (
	"encoding/json"
	"fmt"
	"iter"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/transform/internal/edit"
)

// randomChanges returns n changes of every shape a report holds: each
// op (and one of its own), keys nil, empty, listed or a prefix of Old or
// New, rows nil or empty, cells repeated from the change before or from
// Old, empty, long (shared and not) and big enough to take a chunk of
// their own.
func randomChanges(rng *rand.Rand, n int) []Change {
	shared := strings.Repeat("S", longCell+1)
	big := strings.Repeat("B", bigRecord)
	cell := func() string {
		switch rng.IntN(12) {
		case 0:
			return ""
		case 1:
			return shared
		case 2:
			return strings.Repeat("L", longCell+rng.IntN(100))
		case 3:
			if rng.IntN(50) == 0 {
				return big + fmt.Sprint(rng.IntN(10))
			}
			return "é\x00\n"
		case 4:
			return "Core"
		}
		return fmt.Sprintf("c%d", rng.IntN(1000))
	}
	row := func() []string {
		switch rng.IntN(8) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		r := make([]string, 1+rng.IntN(7))
		for i := range r {
			r[i] = cell()
		}
		return r
	}
	ops := []Op{OpAdd, OpRemove, OpUpdate, "rename"}
	tables := []string{"Registry", "Class", "Verb", ""}
	for i := range 20 {
		tables = append(tables, fmt.Sprintf("T%d", i)) // past the list, a map
	}
	var out []Change
	for i := range n {
		c := Change{Op: ops[rng.IntN(len(ops))], Table: tables[rng.IntN(len(tables))], Old: row(), New: row(), Reason: cell()}
		if i > 0 && rng.IntN(3) == 0 {
			prev := out[i-1]
			c.Reason = prev.Reason
			if len(prev.New) > 0 && len(c.New) > 0 {
				c.New[0] = prev.New[0]
			}
		}
		if len(c.Old) > 0 && len(c.New) > 0 && rng.IntN(2) == 0 {
			copy(c.New, c.Old)
		}
		switch rng.IntN(5) {
		case 0:
			c.Key = nil
		case 1:
			c.Key = []string{}
		case 2:
			c.Key = row()
		case 3:
			if len(c.Old) > 0 {
				c.Key = c.Old[:1+rng.IntN(len(c.Old))]
			}
		case 4:
			if len(c.New) > 0 {
				c.Key = c.New[:1+rng.IntN(len(c.New))]
			}
		}
		out = append(out, c)
	}
	return out
}

// A report gives back the changes it was given, cell for cell, nil
// slices nil and empty ones empty, through Change, Changes, ChangesIn
// and its JSON.
func TestReportChangesRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	want := randomChanges(rng, 3*indexChunk/2)
	r := &Report{Pass: "p"}
	for _, c := range want {
		r.AddChange(c)
	}
	checkRecords(t, "change", want, r.NumChanges(), r.Changes(), r.Change)
	// Table by table, in the order of their first change.
	var tables []string
	byTable := map[string][]int{}
	for i, c := range want {
		if _, ok := byTable[c.Table]; !ok {
			tables = append(tables, c.Table)
		}
		byTable[c.Table] = append(byTable[c.Table], i)
	}
	if diff := cmp.Diff(tables, r.Tables()); diff != "" {
		t.Errorf("Tables (-want +got):\n%s", diff)
	}
	for _, table := range tables {
		var idx []int
		for i, c := range r.ChangesIn(table) {
			if diff := cmp.Diff(want[i], c); diff != "" {
				t.Fatalf("ChangesIn(%q) change %d (-want +got):\n%s", table, i, diff)
			}
			idx = append(idx, i)
		}
		if diff := cmp.Diff(byTable[table], idx); diff != "" {
			t.Errorf("ChangesIn(%q) indexes (-want +got):\n%s", table, diff)
		}
	}
	for range r.ChangesIn("absent") {
		t.Errorf("ChangesIn of a table no change is to yielded a change")
	}

	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	// Its JSON omits empty rows and clips long cells: read back, it
	// writes the same JSON.
	again, err := json.Marshal(&back)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(b), string(again)); diff != "" {
		t.Errorf("JSON of the report read back from its JSON (-first +again):\n%s", diff)
	}
}

// The strings of a change stay as they were while the report grows (they
// are views of bytes never written again), and a long cell named by many
// changes is held once.
func TestReportChangesStable(t *testing.T) {
	long := strings.Repeat("x", 64<<10)
	r := &Report{}
	r.AddChange(Change{Op: OpAdd, Table: "T", Key: []string{"k0"}, New: []string{"k0", "v0", long}})
	first := r.Change(0)
	want := Change{Op: OpAdd, Table: "T", Key: []string{"k0"}, New: []string{"k0", "v0", long}}
	for i := 1; i < 20000; i++ {
		k := fmt.Sprintf("k%d", i)
		r.AddChange(Change{Op: OpAdd, Table: "T", Key: []string{k}, New: []string{k, "v0", long}})
	}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("first change after 20,000 more (-want +got):\n%s", diff)
	}
	if n := len(r.changes.long); n != 1 {
		t.Errorf("a long cell named by 20,000 changes held %d times", n)
	}
	cp := *r
	cp.AddChange(Change{Op: OpRemove, Table: "U"})
	if r.NumChanges() != cp.NumChanges() {
		t.Errorf("a copy of a report does not share its changes: %d and %d", r.NumChanges(), cp.NumChanges())
	}
}

// A Report encodes its changes whether it is held by pointer or by value.
func TestReportJSONByValue(t *testing.T) {
	r := reportOf("p", Change{Op: OpAdd, Table: "T", Key: []string{"k"}, New: []string{"k", "v"}})
	byPtr, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	byVal, err := json.Marshal(struct{ R Report }{*r})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`{"R":`+string(byPtr)+`}`, string(byVal)); diff != "" {
		t.Errorf("by value (-by pointer +by value):\n%s", diff)
	}
}

// A report gives back the notes it was given, cell for cell, a nil Key
// nil and an empty one empty, through Note, Notes and its JSON: each
// severity (and one of its own), keys of every shape the changes'
// rows have, reasons repeated from the last few notes (written as back
// references) or not.
func TestReportNotesRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	changes := randomChanges(rng, 3*indexChunk/2)
	sevs := []Severity{Info, Warning, "error"}
	reasons := []string{"no file read", "processorArchitecture is missing", "kept", "abc"}
	var want []Note
	for i, c := range changes {
		n := Note{Severity: sevs[rng.IntN(len(sevs))], Table: c.Table, Key: c.Old, Reason: c.Reason}
		if i%3 != 0 {
			n.Reason = reasons[rng.IntN(len(reasons))] + strings.Repeat("!", rng.IntN(2))
		}
		want = append(want, n)
	}
	r := &Report{Pass: "p"}
	for _, n := range want {
		r.AddNote(n)
	}
	checkRecords(t, "note", want, r.NumNotes(), r.Notes(), r.Note)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(&back)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(b), string(again)); diff != "" {
		t.Errorf("JSON of the report read back from its JSON (-first +again):\n%s", diff)
	}
	// The JSON of no notes is an empty list, however the report was
	// made.
	for _, r := range []*Report{{Pass: "p"}, newReport("p", &edit.Log{})} {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(`{"pass":"p","changes":[],"notes":[]}`, string(b)); diff != "" {
			t.Errorf("JSON of a report without notes (-want +got):\n%s", diff)
		}
	}
}

// checkRecords checks that a report's records of one kind (what: its
// changes or its notes) are want: their number n, what all yields, in
// order with its index, and what at returns for each index.
func checkRecords[T any](t *testing.T, what string, want []T, n int, all iter.Seq2[int, T], at func(int) T) {
	t.Helper()
	if n != len(want) {
		t.Fatalf("%d %ss, want %d", n, what, len(want))
	}
	var got []T
	for i, v := range all {
		if i != len(got) {
			t.Fatalf("%s %d yielded as %d", what, len(got), i)
		}
		got = append(got, v)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("%ss (-want +got):\n%s", what, diff)
	}
	for i := range want {
		if diff := cmp.Diff(want[i], at(i)); diff != "" {
			t.Fatalf("%s %d (-want +got):\n%s", what, i, diff)
		}
	}
}
