package msi_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/msikit/msikit/msi"
)

// Opening a package and listing its tables.
func Example() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	fmt.Println(db.Kind(), db.Codepage())
	names := db.TableNames()
	fmt.Println(len(names), "tables, first:", names[0])
	// Output:
	// installer 0
	// 37 tables, first: ServiceControl
}

// Reading the rows of a table.
func ExampleTable_Rows() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	t, err := db.Table("Feature")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range t.Columns()[:3] {
		fmt.Printf("%s:%s;", c.Name, c.IDTType())
	}
	fmt.Println()
	for i := 0; i < 3; i++ {
		row := t.Row(i)
		fmt.Printf("%s parent=%q level=%d\n", row.Get("Feature"), row.Get("Feature_Parent").Str(), row.Get("Level").Int())
	}
	// Output:
	// Feature:s38;Feature_Parent:S38;Title:L64;
	// Core parent="Complete" level=1
	// Assemblies parent="Complete" level=1
	// Complete parent="" level=1
}

// Looking a row up by its primary key.
func ExampleTable_Lookup() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	t, err := db.Table("Property")
	if err != nil {
		log.Fatal(err)
	}
	row, ok := t.Lookup(msi.StrValue("Manufacturer"))
	fmt.Println(ok, row.Get("Value"))
	// Output:
	// true Synthetic Corpus
}

// Packages carry only the tables they need: a missing table is not a
// corrupt package. HasTable tells beforehand; Table's error matches
// ErrNoTable.
func ExampleDatabase_HasTable() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	fmt.Println(db.HasTable("File"), db.HasTable("Environment"))
	_, err = db.Table("Environment")
	switch {
	case errors.Is(err, msi.ErrNoTable):
		fmt.Println("no environment variables to set")
	case err != nil:
		log.Fatal(err) // the table exists but cannot be read
	}
	// Output:
	// true false
	// no environment variables to set
}

// Editing a row and saving the package to a new file.
func ExampleTable_Update() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	t, err := db.Table("Property")
	if err != nil {
		log.Fatal(err)
	}
	err = t.Update([]msi.Value{msi.StrValue("Manufacturer")}, func(vals []msi.Value) error {
		vals[1] = msi.StrValue("Example Corp")
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := t.Insert(msi.StrValue("NEWPROPERTY"), msi.StrValue("42")); err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "msi-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "edited.msi")
	if err := db.Save(out, nil); err != nil {
		log.Fatal(err)
	}

	edited, err := msi.Open(out)
	if err != nil {
		log.Fatal(err)
	}
	defer edited.Close()
	t2, _ := edited.Table("Property")
	for _, key := range []string{"Manufacturer", "NEWPROPERTY"} {
		row, _ := t2.Lookup(msi.StrValue(key))
		fmt.Println(key, "=", row.Get("Value"))
	}
	// Output:
	// Manufacturer = Example Corp
	// NEWPROPERTY = 42
}

// Writing a changed package: it gets a new PackageCode (Windows Installer
// caches packages by it) unless KeepPackageCode is set; a signed package
// loses its signature only if the write changes it.
func ExampleDatabase_DropsSignature() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	opts := &msi.WriteOptions{DropSignature: true}
	fmt.Println("changed:", db.ContentModified(), "drops a signature:", db.DropsSignature(opts))
	prop, err := db.Table("Property")
	if err != nil {
		log.Fatal(err)
	}
	if err := prop.Insert(msi.StrValue("EXAMPLE"), msi.StrValue("1")); err != nil {
		log.Fatal(err)
	}
	old, _ := db.PackageCode()
	if _, err := db.Write(io.Discard, opts); err != nil {
		log.Fatal(err)
	}
	code, _ := db.PackageCode()
	fmt.Println("changed:", db.ContentModified(), "new PackageCode:", code != old)
	// Output:
	// changed: false drops a signature: false
	// changed: true new PackageCode: true
}
