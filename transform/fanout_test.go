package transform

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// fanoutPackage returns the sample with n more features and n more
// components, every feature paired with every component in
// FeatureComponents (n*n rows), a tenth of the components advertised by a
// shortcut to their feature: msi-feature-component-fanout.msi of the
// scaled hostile fixtures (n = 1,050 there) at a smaller n.
func fanoutPackage(tb testing.TB, n int) []byte {
	tb.Helper()
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	table := func(name string) *msi.Table {
		t, err := db.Table(name)
		if err != nil {
			tb.Fatal(err)
		}
		return t
	}
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	s, i32 := msi.StrValue, func(n int) msi.Value { return msi.IntValue(int32(n)) }
	feats, comps, files, fcs, scs := table("Feature"), table("Component"), table("File"), table("FeatureComponents"), table("Shortcut")
	for i := range n {
		f, c := fmt.Sprintf("Fan%d", i), fmt.Sprintf("FanC%d", i)
		must(feats.Insert(s(f), msi.Null, s("Feature "+f), msi.Null, i32(2*i+1), i32(1), msi.Null, i32(0)))
		must(comps.Insert(s(c), s(fmt.Sprintf("{30000000-0000-0000-0000-%012d}", i)), s("BINDIR"), i32(0), msi.Null, s("f"+c)))
		must(files.Insert(s("f"+c), s(c), s("f"+c+".dll"), i32(1000+i), msi.Null, msi.Null, msi.Null, i32(2000+i)))
		if i%10 == 0 {
			sc := make([]msi.Value, len(scs.Columns()))
			for j, col := range scs.Columns() {
				switch col.Name {
				case "Shortcut":
					sc[j] = s(fmt.Sprintf("fan%d", i))
				case "Directory_":
					sc[j] = s("BINDIR")
				case "Name":
					sc[j] = s("fan.lnk")
				case "Component_":
					sc[j] = s(c)
				case "Target":
					sc[j] = s(f)
				}
			}
			must(scs.Insert(sc...))
		}
	}
	for i := range n {
		for j := range n {
			must(fcs.Insert(s(fmt.Sprintf("Fan%d", i)), s(fmt.Sprintf("FanC%d", j))))
		}
	}
	var buf bytes.Buffer
	if _, err := db.Write(&buf, &msi.WriteOptions{KeepPackageCode: true}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// rewritePasses runs the passes of msikit rewrite, in its order, on db,
// sharing what they read through sh (nil: each reads for itself).
func rewritePasses(db *msi.Database, sh *Shared) (changes int, err error) {
	for _, pass := range []func() (*Report, error){
		func() (*Report, error) {
			return ClassToRegistry(db, ClassToRegistryOptions{MaxChanges: 1 << 20, Shared: sh})
		},
		func() (*Report, error) {
			return SplitAdvertised(db, SplitAdvertisedOptions{MaxChanges: 1 << 20, Shared: sh})
		},
		func() (*Report, error) { return AssemblyNames(db, AssemblyNamesOptions{AllowSigned: true}) },
	} {
		rep, err := pass()
		if err != nil {
			return changes, err
		}
		changes += rep.NumChanges()
	}
	return changes, nil
}

// BenchmarkRewritePassesFanout runs the passes of msikit rewrite on a
// package pairing 300 features with 300 components (90,000
// FeatureComponents rows; msi-feature-component-fanout.msi has 1.1
// million), read afresh each time.
func BenchmarkRewritePassesFanout(b *testing.B) {
	data := fanoutPackage(b, 300)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rewritePasses(db, &Shared{}); err != nil {
			b.Fatal(err)
		}
	}
}

// passesBytesPerRow returns the bytes the passes of msikit rewrite
// allocate per FeatureComponents row of fanoutPackage, from the
// difference between two sizes (what does not grow with the rows
// cancels out). Every table is decoded before counting.
func passesBytesPerRow(t *testing.T, run func(db *msi.Database) error) float64 {
	t.Helper()
	alloc := func(n int) float64 {
		data := fanoutPackage(t, n)
		db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range db.TableNames() {
			if tab, err := db.Table(name); err == nil {
				tab.Len()
			}
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := run(db); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return float64(after.TotalAlloc - before.TotalAlloc)
	}
	small, big := alloc(100), alloc(200) // 10,000 and 40,000 pairs
	perRow := (big - small) / 30000
	t.Logf("%.0f and %.0f bytes: %.1f a row", small, big, perRow)
	return perRow
}

// TestRewritePassesBytesPerRow bounds what the passes of msikit rewrite
// allocate per FeatureComponents row (106 bytes on 2026-12-04): the pairs,
// read once for class-to-registry and leaf-features (a Shared; 8 bytes a
// pair and 4 for the index back), kept sorted with room for the row
// class-to-registry adds (not copied to sort them again); that row
// indexes the table's keys (11 bytes a row, then 16: msi's), which
// leaf-features, adding its rows before removing the moved ones (a copy
// of the cells, 8 bytes a row), uses instead of indexing them again.
func TestRewritePassesBytesPerRow(t *testing.T) {
	perRow := passesBytesPerRow(t, func(db *msi.Database) error {
		_, err := rewritePasses(db, &Shared{})
		return err
	})
	if perRow > 80 {
		t.Errorf("the passes allocated %.1f bytes a FeatureComponents row, want at most 80", perRow)
	}
}

// TestSharedReadsFeatureComponentsOnce: given one Shared, the passes of
// msikit rewrite read FeatureComponents once, class-to-registry's added
// row recorded in what it carries to leaf-features, and they make the
// changes, and write the package, they make and write reading it each.
func TestSharedReadsFeatureComponentsOnce(t *testing.T) {
	gotChanges := checkShared(t, fanoutPackage(t, 30), nil, 1)
	// class-to-registry adds a FeatureComponents row here: the pairs
	// leaf-features was given held it.
	if !slices.ContainsFunc(gotChanges, func(s string) bool { return strings.HasPrefix(s, "addFeatureComponents") }) {
		t.Errorf("no FeatureComponents row added; the test needs one: %q", gotChanges)
	}
}

// TestSharedSeesChangesBetweenPasses: a caller that changes
// FeatureComponents between the passes, keeping its number of rows (a row
// deleted and another inserted), gets what it gets with no Shared: the
// pairs are read again.
func TestSharedSeesChangesBetweenPasses(t *testing.T) {
	between := func(db *msi.Database) {
		fc, err := db.Table("FeatureComponents")
		if err != nil {
			t.Fatal(err)
		}
		n := fc.Len()
		// FanC0 is advertised by a shortcut to Fan0: leaf-features
		// would move it out of Fan0, had it still been there.
		if fc.DeleteFunc(func(r msi.Row) bool { return r.At(0).Str() == "Fan0" && r.At(1).Str() == "FanC0" }) != 1 {
			t.Fatal("no row (Fan0, FanC0) to delete")
		}
		if err := fc.Insert(msi.StrValue("Fan1"), msi.StrValue("ProductComponent")); err != nil {
			t.Fatal(err)
		}
		if fc.Len() != n {
			t.Fatalf("FeatureComponents has %d rows, want %d", fc.Len(), n)
		}
	}
	checkShared(t, fanoutPackage(t, 30), between, 2) // once a pass
}

// checkShared runs the passes on data (runSharedPasses) with a Shared and
// without, and checks that they read FeatureComponents reads times with
// it and made the same changes and package both ways; it returns the
// changes.
func checkShared(t *testing.T, data []byte, between func(*msi.Database), reads int) []string {
	t.Helper()
	sh := &Shared{}
	gotChanges, gotBytes := runSharedPasses(t, data, sh, between)
	if n := sh.s.Reads(); n != reads {
		t.Errorf("FeatureComponents read %d times, want %d", n, reads)
	}
	wantChanges, wantBytes := runSharedPasses(t, data, nil, between)
	if diff := cmp.Diff(wantChanges, gotChanges); diff != "" {
		t.Errorf("changes and notes with a Shared (-without +with):\n%s", diff)
	}
	if !bytes.Equal(gotBytes, wantBytes) {
		t.Errorf("the package written with a Shared differs from the one written without")
	}
	return gotChanges
}

// runSharedPasses runs class-to-registry and then leaf-features on the
// package data, through sh, calling between (if not nil) between the
// two, and returns their changes and notes and the package written.
func runSharedPasses(t *testing.T, data []byte, sh *Shared, between func(*msi.Database)) ([]string, []byte) {
	t.Helper()
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var changes []string
	for i, pass := range []func() (*Report, error){
		func() (*Report, error) { return ClassToRegistry(db, ClassToRegistryOptions{Shared: sh}) },
		func() (*Report, error) { return SplitAdvertised(db, SplitAdvertisedOptions{Shared: sh}) },
	} {
		if i == 1 && between != nil {
			between(db)
		}
		rep, err := pass()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range rep.Changes() {
			changes = append(changes, fmt.Sprint(c.Op, c.Table, c.Key, c.New, c.Reason))
		}
		for _, n := range rep.Notes() {
			changes = append(changes, fmt.Sprint(n.Severity, n.Table, n.Key, n.Reason))
		}
	}
	var out bytes.Buffer
	if _, err := db.Write(&out, &msi.WriteOptions{KeepPackageCode: true}); err != nil {
		t.Fatal(err)
	}
	return changes, out.Bytes()
}
