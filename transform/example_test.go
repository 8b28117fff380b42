package transform_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform"
)

// Example runs the three passes in the order "msikit rewrite --all" uses,
// prints how many rows each changed, and saves the result to a new file.
// The input file is not modified.
func Example() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	var reports []*transform.Report
	rep, err := transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	if err != nil {
		log.Fatal(err)
	}
	reports = append(reports, rep)
	if rep, err = transform.SplitAdvertised(db, transform.SplitAdvertisedOptions{}); err != nil {
		log.Fatal(err)
	}
	reports = append(reports, rep)
	if rep, err = transform.AssemblyNames(db, transform.AssemblyNamesOptions{}); err != nil {
		log.Fatal(err)
	}
	reports = append(reports, rep)
	for _, r := range reports {
		fmt.Printf("%s: %d changes, %d notes\n", r.Pass, len(r.Changes), len(r.Notes))
	}

	dir, err := os.MkdirTemp("", "transform-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "sample-rewritten.msi")
	if err := db.Save(out, nil); err != nil {
		log.Fatal(err)
	}

	saved, err := msi.Open(out)
	if err != nil {
		log.Fatal(err)
	}
	defer saved.Close()
	for _, name := range []string{"Class", "Registry", "Feature"} {
		t, err := saved.Table(name)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d rows\n", name, t.Len())
	}
	// Output:
	// class-to-registry: 58 changes, 3 notes
	// leaf-features: 10 changes, 0 notes
	// assembly-names: 0 changes, 6 notes
	// Class: 0 rows
	// Registry: 41 rows
	// Feature: 10 rows
}
