package transform_test

import (
	"fmt"
	"log"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform"
)

// ExampleSplitAdvertised moves the advertised components of the sample
// package into hidden leaf features and prints the features it added.
func ExampleSplitAdvertised() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	rep, err := transform.SplitAdvertised(db, transform.SplitAdvertisedOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range rep.Changes() {
		if c.Op == transform.OpAdd && c.Table == "Feature" {
			fmt.Printf("%s under %s, attributes %s\n", c.New[0], c.New[1], c.New[7])
		}
	}
	// The caller saves the result, for example with
	// db.Save("sample-leaf.msi", nil).

	// Output:
	// Core_App under Core, attributes 18
	// Core_ComLocal under Core, attributes 18
	// Core_ComServer under Core, attributes 18
}
