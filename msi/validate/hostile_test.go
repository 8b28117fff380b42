package validate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// sharedLongKey builds a package whose table Blob has n rows keyed by an
// integer and one pooled 64 KiB string, each with a value its _Validation
// category (Identifier) refuses, a 64 KiB Text value and a 64 KiB foreign
// key into Property: n ICE03 errors whose key holds the long string, and
// three checks per row of a long text that repeats.
func sharedLongKey(t testing.TB, n int) *msi.Database {
	t.Helper()
	base := sample(t)
	db, err := msi.NewDatabase(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 64<<10)
	vt, err := db.CreateTable("_Validation", columns(t, schemas["_Validation"]))
	if err != nil {
		t.Fatal(err)
	}
	s, null := msi.StrValue, msi.Null
	for _, r := range [][]msi.Value{
		{s("Blob"), s("K"), s("N"), null, null, null, null, null, null, null},
		{s("Blob"), s("V"), s("N"), null, null, null, null, s("Text"), null, null},
		{s("Blob"), s("X"), s("N"), null, null, null, null, s("Identifier"), null, null},
		{s("Blob"), s("P"), s("N"), null, null, s("Property"), msi.IntValue(1), s("Text"), null, null},
		{s("Property"), s("Property"), s("N"), null, null, null, null, s("Text"), null, null},
		{s("Property"), s("Value"), s("N"), null, null, null, null, s("Text"), null, null},
	} {
		if err := vt.Insert(r...); err != nil {
			t.Fatal(err)
		}
	}
	prop, err := db.CreateTable("Property", columns(t, "Property:s0* Value:l0"))
	if err != nil {
		t.Fatal(err)
	}
	if err := prop.Insert(s(big), s("1")); err != nil {
		t.Fatal(err)
	}
	tab, err := db.CreateTable("Blob", []msi.Column{
		{Name: "K", Type: msi.ColInt32, Key: true},
		{Name: "V", Type: msi.ColString, Key: true},
		{Name: "X", Type: msi.ColString, Size: 72},
		{Name: "P", Type: msi.ColString},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := tab.Insert(msi.IntValue(int32(i+1)), s(big), s("not an identifier!"), s(big)); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := db.Write(&buf, &msi.WriteOptions{Compact: true}); err != nil {
		t.Fatal(err)
	}
	out, err := msi.NewDatabase(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSharedLongValue checks that a long string repeated in every row is
// checked once, not once per row, and that findings quote a bounded part
// of it.
func TestSharedLongValue(t *testing.T) {
	const n = 40000
	db := sharedLongKey(t, n)
	var fs []Finding
	testenv.CheckBudget(t, "Validate", func() {
		var err error
		fs, err = Validate(db, &Options{Rules: []string{"ICE03"}})
		if err != nil {
			t.Fatal(err)
		}
	})
	errs, _, _ := Counts(fs)
	if errs != n {
		t.Errorf("got %d errors, want %d (one per row)", errs, n)
	}
	for _, f := range fs {
		for _, k := range f.Key {
			if len(k) > maxKeyPart {
				t.Fatalf("%s quotes a key value of %d bytes", f.ICE, len(k))
			}
		}
		if f.Omitted == 0 && f.Table == "Blob" && !strings.HasSuffix(f.Key[1], " (65536 bytes)") {
			t.Errorf("key %q does not give the value's length", f.Key[1])
		}
	}
}

func TestClipKey(t *testing.T) {
	long := strings.Repeat("é", 600) // 1200 bytes
	key := []string{"a", long}
	c := &checker{}
	got := c.clipKey(key)
	if got[0] != "a" || got[1] != cut(long, 120)+" (1200 bytes)" {
		t.Errorf("clipKey = %q", got)
	}
	if key[1] != long {
		t.Error("clipKey modified its argument")
	}
	short := []string{"F1", strings.Repeat("k", maxKeyPart)}
	if g := c.clipKey(short); &g[0] != &short[0] {
		t.Error("clipKey copied a key it did not cut")
	}
	// The clip of a text met again is the one made before, and a text
	// of the same length but other bytes gets its own.
	if again := c.clipKey(key); unsafe.StringData(again[1]) != unsafe.StringData(got[1]) {
		t.Error("clipKey cut the same text twice")
	}
	other := strings.Repeat("e", 1200)
	if g := c.clipKey([]string{other}); g[0] != cut(other, 120)+" (1200 bytes)" {
		t.Errorf("clipKey of another text = %q", g[0])
	}
}

// TestSharedLongCells checks that rows whose cells name one long pooled
// text cost no more for it: models keyed by the cells hash the text once
// per distinct text, scans of it are remembered, and findings quoting it
// (ICE08: every component has the same ComponentId) do not format it in
// full. Before, each lookup hashed the whole text and each finding copied
// it twice.
func TestSharedLongCells(t *testing.T) {
	const n = 1000
	big := strings.Repeat("[x", 512<<10) // 1 MiB, with a formatted reference
	f := baseInstaller()
	for i := range n {
		dir, comp, file := fmt.Sprintf("d%04d", i), fmt.Sprintf("c%04d", i), fmt.Sprintf("f%04d", i)
		f.add("Directory", row(dir, big, big))
		f.add("Component", row(comp, big, big, 0, "", nil))
		f.add("File", row(file, big, big, 1, "", "", 512, i+2))
		f.add("Shortcut", row(fmt.Sprintf("s%04d", i), big, "name", big, big, "", "", nil, nil, nil, nil, big))
	}
	db := f.build(t)
	var fs []Finding
	// Half of TimeBudget: hashing the text at each lookup took 0.17-0.36
	// s for texts of 256 KiB, so 0.7-1.4 s for these; once per distinct
	// text the whole test takes 0.10-0.15 s. (The budget was a tenth of
	// TimeBudget with 256 KiB texts, which failed once at 0.227 s on a
	// loaded machine.) The race detector does not slow hashing down: under
	// it only the allocations can fail.
	testenv.CheckBudgetOf(t, "Validate", testenv.TimeBudget/2, testenv.HeapBudget, func() {
		var err error
		fs, err = Validate(db, &Options{MaxFindings: -1})
		if err != nil {
			t.Fatal(err)
		}
	})
	dups := 0
	for _, f := range fs {
		if f.ICE == "ICE08" {
			dups++
		}
		if len(f.Message) > maxMessage+len("…") {
			t.Fatalf("%s: message of %d bytes", f.ICE, len(f.Message))
		}
	}
	if dups != n-1 {
		t.Errorf("ICE08: %d findings, want %d (each component after the first)", dups, n-1)
	}
}

// TestSharedLongComponentCells checks the models keyed by component
// names and Registry keys: thousands of FeatureComponents rows naming one
// long component, and components whose KeyPath is one long text, look
// it up without hashing it again (each lookup hashed 2 MiB: 1.5 s for
// 2,000 of each).
func TestSharedLongComponentCells(t *testing.T) {
	const n = 2000
	big := strings.Repeat("k", 2<<20)
	f := baseInstaller()
	f.add("Directory", row("AppDataFolder", "TARGETDIR", "."))
	f.add("Component", row(big, "{11111111-1111-1111-1111-111111111112}", "INSTALLDIR", 0, "", nil))
	for i := range 10 { // more than a small map holds: lookups hash
		f.add("Registry", row(fmt.Sprintf("r%d", i), 1, `Software\Acme`, "", "v", "C1"))
	}
	for i := range n {
		comp, feat := fmt.Sprintf("c%04d", i), fmt.Sprintf("f%04d", i)
		f.add("Component", row(comp, nil, "AppDataFolder", 4, "", big)) // registry key path
		f.add("Feature", row(feat, "", "F", "", 1, 1, "", 0))
		f.add("FeatureComponents", row(feat, big))
		f.add("FeatureComponents", row(feat, comp))
	}
	db := f.build(t)
	var fs []Finding
	// A quarter of TimeBudget: it takes 20-60 ms, and took 1.5 s.
	testenv.CheckBudgetOf(t, "Validate", testenv.TimeBudget/4, testenv.HeapBudget, func() {
		var err error
		fs, err = Validate(db, &Options{MaxFindings: -1})
		if err != nil {
			t.Fatal(err)
		}
	})
	count := map[string]int{}
	for _, f := range fs {
		if f.ICE == "ICE21" || f.ICE == "ICE38" {
			count[f.ICE]++
		}
	}
	// Every component is in a feature; each in the profile names a
	// Registry key path that does not exist.
	if diff := cmp.Diff(map[string]int{"ICE38": n}, count); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// A column named by a 4 MiB text, each of 2,000 rows overflowing it: the
// thousand findings listed quote the name clipped, with its length (whole,
// validate printed 4.2 GB for a 4.2 MB package).
func TestLongColumnNameFindings(t *testing.T) {
	base := sample(t)
	db, err := msi.NewDatabase(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("c", 4<<20)
	tb, err := db.CreateTable("Wide", []msi.Column{{Name: "K", Type: msi.ColInt16, Key: true}, {Name: long, Type: msi.ColString, Size: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		if err := tb.Insert(msi.IntValue(int32(i)), msi.StrValue("abc")); err != nil {
			t.Fatal(err)
		}
	}
	var fs []Finding
	testenv.CheckBudget(t, "Validate", func() {
		fs, err = Validate(db, &Options{Rules: []string{"ICE03"}})
		if err != nil {
			t.Fatal(err)
		}
	})
	n := 0
	for _, f := range fs {
		if f.Table != "Wide" || f.Omitted > 0 {
			continue
		}
		n++
		if want := fmt.Sprintf(" (%d bytes)", len(long)); len(f.Column) > maxKeyPart || !strings.HasSuffix(f.Column, want) {
			t.Fatalf("a finding quotes the column as %d bytes (%.40q...), want it clipped, ending %q", len(f.Column), f.Column, want)
		}
	}
	if n == 0 {
		t.Fatal("no finding of table Wide; the test needs some")
	}
	var out bytes.Buffer
	for _, f := range fs {
		out.WriteString(f.String())
		out.WriteByte('\n')
	}
	if out.Len() > 4<<20 {
		t.Errorf("the findings print as %d bytes, more than the package's 4 MiB name", out.Len())
	}
}

// TestRegistryIndexCost checks what the Registry rows cost the rules that
// look them up by key (ICE02, ICE38, ICE57): the rows are read from the
// table when a rule asks for them, and indexed by their positions in it.
// Before, a slice grew row by row (58 MB allocated for 100,000 rows of
// 120 bytes), an index held a copy of every row and ICE02 built an index
// of their components of its own: 124 MB allocated for 100,000 rows (2
// MB of a 5 MB package); then 19.6 MB with the rows copied into a slice
// sized for them once, 7.6 MB without the copies.
func TestRegistryIndexCost(t *testing.T) {
	const n = 100000
	f := baseInstaller()
	f.add("Directory", row("AppDataFolder", "TARGETDIR", "."))
	f.add("Component", row("RegC", "{11111111-1111-1111-1111-111111111112}", "AppDataFolder", 4, "", "r000007"))
	f.add("FeatureComponents", row("Main", "RegC"))
	for i := range n {
		f.add("Registry", row(fmt.Sprintf("r%06d", i), 2, `Software\Acme`, "", "v", "RegC"))
	}
	db := f.build(t)
	var fs []Finding
	// 120 bytes a row: each of the three first fixes alone allocates
	// 66-79 MB, the copies of the rows 12 MB.
	testenv.CheckBudgetOf(t, "Validate", testenv.TimeBudget, 120*n, func() {
		var err error
		fs, err = Validate(db, &Options{Rules: []string{"ICE02", "ICE38", "ICE57"}, MaxFindings: -1})
		if err != nil {
			t.Fatal(err)
		}
	})
	var got []string
	for _, f := range fs {
		got = append(got, f.String())
	}
	// RegC's key path is its own (ICE02 is quiet), under HKLM (ICE38).
	want := []string{"ICE38 error Component[RegC].KeyPath: Component 'RegC' installs to user profile. Its KeyPath registry key 'r000007' must fall under HKCU (Root is 2) <https://learn.microsoft.com/en-us/windows/win32/msi/ice38>"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
