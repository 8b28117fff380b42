package validate

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

func openCrafted(t *testing.T, name string) *msi.Database {
	t.Helper()
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestDuplicateRowsListedOnce: a table whose rows repeat makes each rule
// report each copy; the copies are listed once, with Duplicates counting
// the others, whether the findings are bounded or not, and none is lost
// from the counts.
func TestDuplicateRowsListedOnce(t *testing.T) {
	db := openCrafted(t, "msi-duplicate-rows.msi")
	apps := 0
	tab, err := db.Table("Component")
	if err != nil {
		t.Fatal(err)
	}
	for r := range tab.Rows() {
		if str(r, "Component") == "App" {
			apps++
		}
	}
	if apps < 2 {
		t.Fatalf("%d rows of component App, want duplicates", apps)
	}
	var lists [][]Finding
	for _, max := range []int{0, -1} {
		fs, err := Validate(db, &Options{MaxFindings: max})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		dup := false
		for _, f := range fs {
			id := f.ICE + "\x00" + identity(&f)
			if seen[id] {
				t.Errorf("max %d: listed twice: %v", max, f)
			}
			seen[id] = true
			if f.Omitted > 0 {
				t.Errorf("max %d: a summary, where every finding is one of few repeated: %v", max, f)
			}
			if f.ICE == "ICE03" && f.Table == "Component" && cmp.Equal(f.Key, []string{"App"}) && f.Column == "" {
				dup = true
				if f.Duplicates+1 != apps-1 {
					t.Errorf("max %d: %v stands for %d findings, want one per copy of App (%d)", max, f, f.Duplicates+1, apps-1)
				}
			}
		}
		if !dup {
			t.Errorf("max %d: no duplicate key finding of Component[App]", max)
		}
		lists = append(lists, fs)
	}
	if diff := cmp.Diff(lists[0], lists[1]); diff != "" {
		t.Errorf("bounded and unbounded lists differ (-bounded +all):\n%s", diff)
	}
}

// TestSpilledFindings: a rule's findings past spillBytes, sorted in runs
// in a temporary file and merged back, are the findings held in memory,
// in the same order, identical ones merged across runs; the file is gone
// afterwards, also when the caller stops early.
func TestSpilledFindings(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for name, budget := range map[string]int{
		"msi-validation-long-lists.msi": 64 << 10, // 20,141 findings in runs
		"msi-duplicate-rows.msi":        1,        // each finding a run
	} {
		db := openCrafted(t, name)
		opts := &Options{MaxFindings: -1}
		want, err := Validate(db, opts)
		if err != nil {
			t.Fatal(err)
		}
		old := spillBytes
		spillBytes = budget
		got, err := Validate(db, opts)
		stopped := 0
		for _, err := range Findings(t.Context(), db, opts) {
			if err != nil {
				t.Fatal(err)
			}
			if stopped++; stopped == 3 {
				// The spill file in use has no name where the system
				// allows it, so a killed process leaves nothing behind.
				if left, _ := os.ReadDir(tmp); runtime.GOOS != "windows" && len(left) > 0 {
					t.Errorf("%s: while spilling, %d files are in the temporary directory, want none (the spill file unlinked)", name, len(left))
				}
				break
			}
		}
		spillBytes = old
		if err != nil {
			t.Fatal(err)
		}
		if len(want) < 5 {
			t.Fatalf("%s: %d findings, want many", name, len(want))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: spilled (-memory +spilled):\n%s", name, diff)
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("%s: %d files left in the temporary directory", name, len(left))
		}
	}
}

// identity returns what tells a finding of a rule from another.
func identity(f *Finding) string {
	var b strings.Builder
	b.WriteByte(byte(f.Severity))
	for _, s := range [...]string{f.Table, f.Column, f.Message} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	for _, s := range f.Key {
		b.WriteString(s)
		b.WriteByte(1)
	}
	return b.String()
}

// TestFindingStringDuplicates: a finding standing for identical ones says
// how many, before its link; one made once says nothing of it.
func TestFindingStringDuplicates(t *testing.T) {
	f := Finding{ICE: "ICE03", Severity: Error, Table: "Component", Key: []string{"App"}, Message: "Duplicate primary key", URL: "u"}
	once := f.String()
	f.Duplicates = 3999
	got := []string{once, f.String()}
	want := []string{"ICE03 error Component[App]: Duplicate primary key <u>",
		"ICE03 error Component[App]: Duplicate primary key (and 3999 identical findings) <u>"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
