package mst_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// syntheticPair builds two related packages from testdata/sample.msi that
// differ in what the corpus pairs do not exercise: a created table with
// a binary column, a dropped table, columns added to existing tables (one
// nullable, one not), binary cells inserted, changed and kept, rows
// updated past the 16th column of a 20-column table, and, with codepage,
// a codepage change (0 to 1251) with a Cyrillic value. It returns the
// paths of A and B.
func syntheticPair(t testing.TB, codepage bool) (a, b string) {
	t.Helper()
	dir := t.TempDir()
	sample := filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi")
	save := func(db *msi.Database, name string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := db.Save(p, &msi.SaveOptions{WriteOptions: msi.WriteOptions{KeepPackageCode: true}}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	s := msi.StrValue

	db, err := msi.Open(sample)
	must(err)
	wideCols := []msi.Column{{Name: "K", Type: msi.ColString, Size: 72, Key: true}}
	for i := 2; i <= 20; i++ {
		c := msi.Column{Name: fmt.Sprintf("C%d", i), Type: msi.ColString, Size: 0, Nullable: true}
		if i%5 == 0 {
			c = msi.Column{Name: fmt.Sprintf("C%d", i), Type: msi.ColInt32, Nullable: true}
		}
		wideCols = append(wideCols, c)
	}
	wide, err := db.CreateTable("Wide", wideCols)
	must(err)
	row := func(key string, n int) []msi.Value {
		v := []msi.Value{s(key)}
		for i := 2; i <= 20; i++ {
			if i%5 == 0 {
				v = append(v, msi.IntValue(int32(n*100+i)))
			} else {
				v = append(v, s(fmt.Sprintf("%s-%d-%d", key, n, i)))
			}
		}
		return v
	}
	for _, k := range []string{"r1", "r2", "r3"} {
		must(wide.Insert(row(k, 1)...))
	}
	bin, err := db.Table("Binary")
	must(err)
	for _, name := range []string{"Old", "Same"} {
		must(bin.Insert(s(name), msi.BinaryValue()))
		data := "data of " + name
		must(db.SetStream("Binary."+name, strings.NewReader(data), int64(len(data))))
	}
	a = save(db, "a.msi")
	db.Close()

	db, err = msi.Open(a)
	must(err)
	defer db.Close()
	props, err := db.Table("Property")
	must(err)
	must(props.Insert(s("NEWPROP"), s("new value")))
	n := props.DeleteFunc(func(r msi.Row) bool { return r.At(0).Str() == "ARPNOMODIFY" || r.At(0).Str() == "ALLUSERS" })
	if n == 0 {
		t.Fatal("sample.msi lost the properties the test deletes")
	}
	wide, err = db.Table("Wide")
	must(err)
	must(wide.Update([]msi.Value{s("r1")}, func(v []msi.Value) error { v[17] = s("changed past the 16th column"); return nil }))
	must(wide.Update([]msi.Value{s("r2")}, func(v []msi.Value) error { v[2] = s("changed third column"); v[4] = msi.Null; return nil }))
	wide.DeleteFunc(func(r msi.Row) bool { return r.At(0).Str() == "r3" })
	must(wide.Insert(row("r4", 4)...))
	bin, err = db.Table("Binary")
	must(err)
	must(db.SetStream("Binary.Old", strings.NewReader("new data of Old"), 15))
	must(bin.Insert(s("New"), msi.BinaryValue()))
	must(db.SetStream("Binary.New", strings.NewReader("data of New"), 11))
	reg, err := db.Table("Registry")
	must(err)
	must(reg.AddColumn(msi.Column{Name: "Extra", Type: msi.ColInt16, Nullable: true}))
	first := reg.Row(0).Key()
	must(reg.Update(first, func(v []msi.Value) error { v[6] = msi.IntValue(7); return nil }))
	feat, err := db.Table("Feature")
	must(err)
	must(feat.AddColumn(msi.Column{Name: "Must", Type: msi.ColString, Size: 20}))
	var keys [][]msi.Value
	for r := range feat.Rows() {
		keys = append(keys, r.Key())
	}
	for _, k := range keys {
		must(feat.Update(k, func(v []msi.Value) error { v[8] = s("must " + k[0].Str()); return nil }))
	}
	must(db.DropTable("AppSearch"))
	nb, err := db.CreateTable("NewBin", []msi.Column{{Name: "Name", Type: msi.ColString, Size: 72, Key: true}, {Name: "Data", Type: msi.ColBinary, Nullable: true}, {Name: "Note", Type: msi.ColInt16}})
	must(err)
	must(nb.Insert(s("blob"), msi.BinaryValue(), msi.IntValue(-5)))
	must(db.SetStream("NewBin.blob", strings.NewReader("blob data"), 9))
	must(nb.Insert(s("empty"), msi.Null, msi.IntValue(32767)))
	if codepage {
		must(db.SetCodepage(1251))
		must(props.Insert(s("CYRILLIC"), s("Привет")))
	}
	b = save(db, "b.msi")
	return a, b
}
