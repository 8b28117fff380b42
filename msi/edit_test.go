package msi

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

const coreSample = "../testdata/sample.msi"

func coreOpenCopy(t *testing.T, src string) (*Database, string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, p
}

// coreExportLines runs msiinfo export and splits it into the three header
// lines and the sorted row lines.
func coreExportLines(t *testing.T, msiinfo, file, table string) (head, rows []string) {
	t.Helper()
	out, err := testenv.Command(t, msiinfo, "export", file, table).Output()
	if err != nil {
		t.Fatalf("msiinfo export %s %s: %v", file, table, err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n")
	rows = slices.Clone(lines[3:])
	slices.Sort(rows)
	return lines[:3], rows
}

// TestRowOrderByPoolID builds a table whose string keys are interned in
// non-alphabetical order, writes it and checks that the rows are stored
// by string-pool id, and that msiinfo reads them back in that order.
func TestRowOrderByPoolID(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	db, _ := coreOpenCopy(t, coreSample)
	tab, err := db.CreateTable("OrderTest", []Column{
		{Name: "Key", Type: ColString, Size: 72, Key: true},
		{Name: "Val", Type: ColInt16, Nullable: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	// "ProductName" is already in the pool (a low id); the others are new
	// and get ids in the order they are interned: zeta, alpha, mid.
	db.pool.idOf(StrValue("zeta"))
	db.pool.idOf(StrValue("alpha"))
	for i, k := range []string{"mid", "zeta", "ProductName", "alpha"} {
		if err := tab.Insert(StrValue(k), IntValue(int32(i))); err != nil {
			t.Fatal(err)
		}
	}
	db2, out := saveReopen(t, db, "order.msi")
	t2, err := db2.Table("OrderTest")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	var ids []uint32
	for r := range t2.Rows() {
		keys = append(keys, r.At(0).Str())
		ids = append(ids, r.cells[0])
	}
	want := []string{"ProductName", "zeta", "alpha", "mid"}
	if d := cmp.Diff(want, keys); d != "" {
		t.Errorf("stored order (-want +got):\n%s", d)
	}
	if !slices.IsSorted(ids) {
		t.Errorf("key ids not ascending: %v", ids)
	}
	head, _ := coreExportLines(t, msiinfo, out, "OrderTest")
	raw, _ := testenv.Command(t, msiinfo, "export", out, "OrderTest").Output()
	wantText := strings.Join(head, "\r\n") + "\r\nProductName\t2\r\nzeta\t1\r\nalpha\t3\r\nmid\t0\r\n"
	if d := cmp.Diff(wantText, string(raw)); d != "" {
		t.Errorf("msiinfo export (-want +got):\n%s", d)
	}
}

// TestEditsSeenByMsiinfo inserts, updates (including key and nullable
// columns) and deletes rows, adds a binary row with its stream, renames a
// binary row's key, and checks msiinfo sees exactly those changes.
func TestEditsSeenByMsiinfo(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	db, in := coreOpenCopy(t, coreSample)
	_, propBefore := coreExportLines(t, msiinfo, in, "Property")
	_, featBefore := coreExportLines(t, msiinfo, in, "Feature")
	iconHead, iconBefore := coreExportLines(t, msiinfo, in, "Icon")

	prop, _ := db.Table("Property")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(prop.Insert(StrValue("NEWPROP"), StrValue("new value")))
	must(prop.Update([]Value{StrValue("Manufacturer")}, func(v []Value) error {
		v[1] = StrValue("Changed Corp")
		return nil
	}))
	must(prop.Update([]Value{StrValue("ProductVersion")}, func(v []Value) error {
		v[0] = StrValue("PRODUCTVERSION_RENAMED") // key change
		return nil
	}))
	if n := prop.DeleteFunc(func(r Row) bool { return r.Get("Property").Str() == "ALLUSERS" }); n != 1 {
		t.Fatalf("deleted %d rows", n)
	}
	feat, _ := db.Table("Feature")
	must(feat.Update([]Value{StrValue("Core")}, func(v []Value) error {
		v[3] = StrValue("now described") // nullable column: null -> value
		v[6] = Null                      // Directory_: value (if any) -> null
		return nil
	}))
	icon, _ := db.Table("Icon")
	oldIcon := coreReadStream(t, db, "Icon.app.ico")
	must(icon.Update([]Value{StrValue("app.ico")}, func(v []Value) error {
		v[0] = StrValue("renamed.ico")
		return nil
	}))
	newData := []byte("new icon bytes")
	must(icon.Insert(StrValue("added.ico"), BinaryValue()))
	must(db.SetStream("Icon.added.ico", bytes.NewReader(newData), int64(len(newData))))

	out := filepath.Join(t.TempDir(), "edited.msi")
	must(db.Save(out, nil))

	// Property: expected = before with the edits applied.
	want := map[string]bool{}
	for _, l := range propBefore {
		want[l] = true
	}
	var manuf, ver string
	for l := range want {
		if strings.HasPrefix(l, "Manufacturer\t") {
			manuf = l
		}
		if strings.HasPrefix(l, "ProductVersion\t") {
			ver = l
		}
	}
	delete(want, manuf)
	delete(want, ver)
	delete(want, "ALLUSERS\t1")
	want["Manufacturer\tChanged Corp"] = true
	want["PRODUCTVERSION_RENAMED\t"+strings.TrimPrefix(ver, "ProductVersion\t")] = true
	want["NEWPROP\tnew value"] = true
	wantRows := coreSortedKeys(want)
	_, got := coreExportLines(t, msiinfo, out, "Property")
	if d := cmp.Diff(wantRows, got); d != "" {
		t.Errorf("Property after edits (-want +got):\n%s", d)
	}

	// Feature: only the Core row changed.
	_, gotFeat := coreExportLines(t, msiinfo, out, "Feature")
	var changed []string
	for _, l := range gotFeat {
		if !slices.Contains(featBefore, l) {
			changed = append(changed, l)
		}
	}
	if len(changed) != 1 || !strings.HasPrefix(changed[0], "Core\t") || strings.Split(changed[0], "\t")[3] != "now described" || strings.Split(changed[0], "\t")[6] != "" {
		t.Errorf("Feature changes: %q", changed)
	}
	if len(gotFeat) != len(featBefore) {
		t.Errorf("Feature has %d rows, had %d", len(gotFeat), len(featBefore))
	}

	// Icon: renamed row and added row; streams follow.
	head, gotIcon := coreExportLines(t, msiinfo, out, "Icon")
	if d := cmp.Diff(iconHead, head); d != "" {
		t.Errorf("Icon header changed: %s", d)
	}
	wantIcon := []string{"added.ico\tIcon.added.ico", "renamed.ico\tIcon.renamed.ico"}
	if len(iconBefore) != 1 {
		t.Fatalf("sample Icon rows: %q", iconBefore)
	}
	if d := cmp.Diff(wantIcon, gotIcon); d != "" {
		t.Errorf("Icon (-want +got):\n%s", d)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{"Icon.renamed.ico": oldIcon, "Icon.added.ico": newData} {
		cmd := exec.Command(msiinfo, "extract", out, name)
		got, err := cmd.Output()
		if err != nil {
			t.Errorf("msiinfo extract %s: %v", name, err)
			continue
		}
		if !bytes.Equal(got, data) {
			t.Errorf("stream %s: %d bytes, want %d", name, len(got), len(data))
		}
	}
	_ = dir
	streams, _ := exec.Command(msiinfo, "streams", out).Output()
	if strings.Contains(string(streams), "Icon.app.ico") {
		t.Errorf("old stream name still present:\n%s", streams)
	}
}

func coreSortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func coreReadStream(t *testing.T, db *Database, name string) []byte {
	t.Helper()
	s, err := db.OpenStream(name)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, s.Size())
	if _, err := s.ReadAt(b, 0); err != nil && len(b) > 0 {
		t.Fatal(err)
	}
	return b
}

func TestValueErrors(t *testing.T) {
	db, _ := coreOpenCopy(t, coreSample)
	prop, _ := db.Table("Property")
	feat, _ := db.Table("Feature")
	long := strings.Repeat("x", 73)
	tests := []struct {
		name   string
		do     func() error
		column string
		reason string
	}{
		{"arity", func() error { return prop.Insert(StrValue("A")) }, "", "got 1 values for 2 columns"},
		{"type", func() error { return prop.Insert(IntValue(1), StrValue("x")) }, "Property", "want a string"},
		{"null", func() error { return prop.Insert(StrValue("A"), Null) }, "Value", "null in a non-nullable"},
		{"size (strict)", func() error {
			db.SetStrict(true)
			defer db.SetStrict(false)
			return prop.Insert(StrValue(long), StrValue("x"))
		}, "Property", "longer than the column's 72"},
		{"duplicate", func() error { return prop.Insert(StrValue("Manufacturer"), StrValue("x")) }, "", "already exists"},
		{"int16 range", func() error {
			return feat.Update([]Value{StrValue("Core")}, func(v []Value) error { v[5] = IntValue(40000); return nil })
		}, "Level", "out of range"},
		{"key collision on update", func() error {
			return prop.Update([]Value{StrValue("Manufacturer")}, func(v []Value) error { v[0] = StrValue("ProductName"); return nil })
		}, "", "already exists"},
		{"missing row", func() error {
			return prop.Update([]Value{StrValue("NoSuchProperty")}, func(v []Value) error { return nil })
		}, "", "no row"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			var ve *ValueError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want *ValueError", err)
			}
			if ve.Column != tt.column || !strings.Contains(ve.Reason, tt.reason) || ve.Table == "" {
				t.Errorf("got %+v, want column %q reason containing %q", ve, tt.column, tt.reason)
			}
		})
	}
	if prop.Modified() || db.Modified() {
		t.Error("refused edits marked the database modified")
	}
}

func TestStrictValidation(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found (../shared/corpus or $MSIKIT_CORPUS)")
	}
	db, err := Open(filepath.Join(dir, "real", "wix3-MSIs-basicproduct.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetStrict(true)
	comp, err := db.Table("Component")
	if err != nil {
		t.Fatal(err)
	}
	err = comp.Insert(StrValue("NewComp"), StrValue("not-a-guid"), StrValue("INSTALLDIR"), IntValue(0), Null, Null)
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Column != "ComponentId" {
		t.Errorf("strict mode accepted a bad GUID: %v", err)
	}
	// Categories with a syntax of their own: Filename, Language, Formatted.
	file, err := db.Table("File")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, lang, col string
	}{
		{"dir/x.txt", "1033", "FileName"},
		{"x.txt", "en-US", "Language"},
		{"x.txt|Long name.txt", "0,1033", ""},
	} {
		err := file.Insert(StrValue("f"+tt.col), StrValue("NewComp"), StrValue(tt.name), IntValue(1), Null, StrValue(tt.lang), Null, IntValue(99))
		if tt.col == "" {
			if err != nil {
				t.Errorf("strict mode refused a valid File row: %v", err)
			}
			continue
		}
		if !errors.As(err, &ve) || ve.Column != tt.col {
			t.Errorf("strict mode: File row with bad %s: %v", tt.col, err)
		}
	}
	db.SetStrict(false)
	if err := comp.Insert(StrValue("NewComp"), StrValue("not-a-guid"), StrValue("INSTALLDIR"), IntValue(0), Null, Null); err != nil {
		t.Errorf("non-strict insert: %v", err)
	}
}

func coreSHA(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestDropTableAndDelete drops a table with a binary column and deletes a
// binary row elsewhere, and checks with msiinfo that the tables, their
// _Columns rows and their streams are gone.
func TestDropTableAndDelete(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	db, in := coreOpenCopy(t, coreSample)
	if err := db.DropTable("Icon"); err != nil {
		t.Fatal(err)
	}
	if err := db.DropTable("Icon"); err == nil {
		t.Error("dropping a missing table succeeded")
	}
	bin, err := db.CreateTable("BinTest", []Column{
		{Name: "Name", Type: ColString, Size: 72, Key: true},
		{Name: "Data", Type: ColBinary, Nullable: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"keep", "gone"} {
		if err := bin.Insert(StrValue(k), BinaryValue()); err != nil {
			t.Fatal(err)
		}
		data := []byte("data of " + k)
		if err := db.SetStream("BinTest."+k, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	if n := bin.DeleteFunc(func(r Row) bool { return r.Get("Name").Str() == "gone" }); n != 1 {
		t.Fatalf("deleted %d", n)
	}
	out := filepath.Join(t.TempDir(), "dropped.msi")
	if err := db.Save(out, nil); err != nil {
		t.Fatal(err)
	}
	tables, _ := exec.Command(msiinfo, "tables", out).Output()
	if strings.Contains(string(tables), "\nIcon\n") || !strings.Contains(string(tables), "\nBinTest\n") {
		t.Errorf("msiinfo tables:\n%s", tables)
	}
	streams, _ := exec.Command(msiinfo, "streams", out).Output()
	want := map[string]bool{"Icon.app.ico": false, "BinTest.keep": true, "BinTest.gone": false}
	for name, present := range want {
		if strings.Contains(string(streams), name) != present {
			t.Errorf("stream %s present=%v, want %v:\n%s", name, !present, present, streams)
		}
	}
	_, cols := coreExportLines(t, msiinfo, out, "_Columns")
	_, colsBefore := coreExportLines(t, msiinfo, in, "_Columns")
	var wantCols []string
	for _, l := range colsBefore {
		if !strings.HasPrefix(l, "Icon\t") {
			wantCols = append(wantCols, l)
		}
	}
	wantCols = append(wantCols, "BinTest\t1\tName\t11592", "BinTest\t2\tData\t6400")
	slices.Sort(wantCols)
	if d := cmp.Diff(wantCols, cols); d != "" {
		t.Errorf("_Columns (-want +got):\n%s", d)
	}
	_, rows := coreExportLines(t, msiinfo, out, "BinTest")
	if d := cmp.Diff([]string{"keep\tBinTest.keep"}, rows); d != "" {
		t.Errorf("BinTest rows (-want +got):\n%s", d)
	}
}

// OpenStream and Row.OpenStream see the database as edited (and so does
// an IDT export: msi/idt's TestExportSeesEdits):
// a stream set with SetStream reads from its source before any save, a
// renamed key's stream follows it, and a deleted stream is gone.
func TestOpenStreamSeesEdits(t *testing.T) {
	db, _ := coreOpenCopy(t, coreSample)
	icon, err := db.Table("Icon")
	if err != nil {
		t.Fatal(err)
	}
	old := coreReadStream(t, db, "Icon.app.ico")
	added := []byte("icon bytes set before saving")
	if err := icon.Insert(StrValue("added.ico"), BinaryValue()); err != nil {
		t.Fatal(err)
	}
	if err := db.SetStream("Icon.added.ico", bytes.NewReader(added), int64(len(added))); err != nil {
		t.Fatal(err)
	}
	if got := coreReadStream(t, db, "Icon.added.ico"); !bytes.Equal(got, added) {
		t.Errorf("OpenStream of a set stream: %q, want %q", got, added)
	}
	replaced := []byte("replacement")
	if err := db.SetStream("Icon.app.ico", bytes.NewReader(replaced), int64(len(replaced))); err != nil {
		t.Fatal(err)
	}
	if got := coreReadStream(t, db, "Icon.app.ico"); !bytes.Equal(got, replaced) {
		t.Errorf("OpenStream of a replaced stream: %q, want %q", got, replaced)
	}
	row, ok := icon.Lookup(StrValue("added.ico"))
	if !ok {
		t.Fatal("inserted row not found")
	}
	s, err := row.OpenStream("Data")
	if err != nil {
		t.Fatalf("Row.OpenStream: %v", err)
	}
	if got, _ := io.ReadAll(s); !bytes.Equal(got, added) {
		t.Errorf("Row.OpenStream: %q, want %q", got, added)
	}
	if err := db.DeleteStream("Icon.app.ico"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OpenStream("Icon.app.ico"); err == nil {
		t.Error("OpenStream of a deleted stream succeeded")
	}
	// The original bytes were never touched: a fresh open still has them.
	db2, err := Open(coreSample)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if got := coreReadStream(t, db2, "Icon.app.ico"); !bytes.Equal(got, old) {
		t.Error("the source package's stream changed")
	}
}

// TestStrictLongValidationSet: a _Validation Set list of 32,768 members in
// one pooled 64 KiB string (testdata/crafted/valid) is split once, not
// once per value checked, and a refusal quotes it clipped: 20,000 strict
// inserts stay in budget.
func TestStrictLongValidationSet(t *testing.T) {
	db, err := Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-validation-long-lists.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetStrict(true)
	nums, err := db.Table("Numbers")
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	testenv.CheckBudget(t, "20,000 strict inserts", func() {
		errs = errs[:0]
		for i := range 20000 {
			errs = append(errs, nums.Insert(IntValue(int32(1_000_000+i)), IntValue(1)))
		}
	})
	for _, err := range errs {
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Column != "N" || !strings.Contains(err.Error(), "not in the _Validation set") || len(err.Error()) > 1024 {
			t.Fatalf("insert: %.300v (%d bytes), want a short ValueError of column N", err, len(err.Error()))
		}
	}
	// A long set that holds the value lets it in.
	v, err := db.Table("_Validation")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x;", 20000) + "7000007"
	if err := v.Update([]Value{StrValue("Numbers"), StrValue("N")}, func(vals []Value) error {
		vals[8] = StrValue(long)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := nums.Insert(IntValue(7000007), IntValue(1)); err != nil {
		t.Errorf("a member of a long set: %v", err)
	}
	if err := nums.Insert(IntValue(7000008), IntValue(1)); err == nil {
		t.Errorf("7000008 is not in the set, but was inserted")
	}
}
