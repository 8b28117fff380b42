package mst_test

import (
	"bytes"
	"fmt"
	"log"
	"os"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// openSample opens testdata/sample.msi from memory, a fresh copy each
// time.
func openSample() *msi.Database {
	data, err := os.ReadFile("../../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		log.Fatal(err)
	}
	return db
}

// Generating the transform between a package and an edited copy, showing
// its changes as rows, and applying it to the package.
func Example() {
	vendor, custom := openSample(), openSample()
	props, err := custom.Table("Property")
	if err != nil {
		log.Fatal(err)
	}
	if err := props.Insert(msi.StrValue("REBOOT"), msi.StrValue("ReallySuppress")); err != nil {
		log.Fatal(err)
	}
	if err := props.Update([]msi.Value{msi.StrValue("ProductName")}, func(v []msi.Value) error {
		v[1] = msi.StrValue("Synthetic all (customised)")
		return nil
	}); err != nil {
		log.Fatal(err)
	}

	// Generate: the records, then the transform file (here in memory).
	c, err := mst.Diff(vendor, custom)
	if err != nil {
		log.Fatal(err)
	}
	si, err := mst.NewSummary(vendor, custom, &mst.SummaryOptions{Validation: mst.ValidateProduct | mst.ValidateUpgradeCode})
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if err := mst.Write(&buf, c, si); err != nil {
		log.Fatal(err)
	}

	// Read it back and show what it does to the vendor's package.
	tdb, err := msi.NewDatabase(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		log.Fatal(err)
	}
	t, err := mst.New(tdb)
	if err != nil {
		log.Fatal(err)
	}
	decoded, err := t.Decode(vendor)
	if err != nil {
		log.Fatal(err)
	}
	if err := mst.WriteText(os.Stdout, vendor, decoded); err != nil {
		log.Fatal(err)
	}

	// Apply it: the validation flags are checked, then the records applied.
	rep, err := mst.Apply(vendor, t, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, tr := range rep.Tables {
		fmt.Printf("%s: %d inserted, %d updated, %d deleted\n", tr.Table, tr.Inserted, tr.Updated, tr.Deleted)
	}
	// Output:
	// ~ Property [ProductName] Value: Synthetic all -> Synthetic all (customised);
	// + Property [REBOOT]	REBOOT	ReallySuppress
	// Property: 1 inserted, 1 updated, 0 deleted
}
