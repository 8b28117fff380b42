package transform_test

import (
	"fmt"
	"log"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform"
)

// ExampleNewPackageCode gives a package the passes changed a new
// PackageCode, derived from the old one and the changes, and prints the
// change as the report lists it.
func ExampleNewPackageCode() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	rep, err := transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	if err != nil {
		log.Fatal(err)
	}
	code, err := transform.NewPackageCode(db, rep)
	if err != nil {
		log.Fatal(err)
	}
	c := code.Change(0)
	fmt.Println(code.Pass, c.Op, c.Table, c.Key)
	fmt.Println("old:", c.Old[1])
	fmt.Println("new:", c.New[1])
	// Output:
	// package-code update _SummaryInformation [9]
	// old: {CA84CAB9-CFE5-8F89-0D70-EA88B4E9BBD4}
	// new: {4DD4B3C6-BED3-52C2-A90D-5620B737D382}
}
