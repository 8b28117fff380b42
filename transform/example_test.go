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

	// One Shared for the passes run one after another on db: the
	// FeatureComponents table both of the first two read is read once.
	sh := new(transform.Shared)
	var reports []*transform.Report
	rep, err := transform.ClassToRegistry(db, transform.ClassToRegistryOptions{Shared: sh})
	if err != nil {
		log.Fatal(err)
	}
	reports = append(reports, rep)
	if rep, err = transform.SplitAdvertised(db, transform.SplitAdvertisedOptions{Shared: sh}); err != nil {
		log.Fatal(err)
	}
	reports = append(reports, rep)
	if rep, err = transform.AssemblyNames(db, transform.AssemblyNamesOptions{}); err != nil {
		log.Fatal(err)
	}
	reports = append(reports, rep)
	for _, r := range reports {
		fmt.Printf("%s: %d changes, %d notes\n", r.Pass, r.NumChanges(), r.NumNotes())
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
	// class-to-registry: 60 changes, 3 notes
	// leaf-features: 10 changes, 0 notes
	// assembly-names: 0 changes, 6 notes
	// Class: 0 rows
	// Registry: 43 rows
	// Feature: 10 rows
}

// Audit lists what each advertised entry point makes Windows Installer
// check, and the causes of repair loops.
func ExampleAudit() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	rep, err := transform.Audit(db, transform.AuditOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ep := range rep.EntryPoints() {
		if ep.Kind == "shortcut" {
			fmt.Printf("%s %s: feature %s, %d components checked; %s (then %d)\n", ep.Kind, ep.Key[0], ep.Feature, ep.Covers, ep.Rewrite, ep.CoversAfter)
		}
	}
	for _, f := range rep.Findings() {
		if f.Rule == "keypath-hkcu-per-machine" {
			fmt.Println(f.Severity, f.Rule, f.Rows)
		}
	}
	// Output:
	// shortcut AppStartMenu: feature Core, 12 components checked; leaf-features: its feature becomes Core_App (then 11)
	// shortcut AppDesktop: feature Core, 12 components checked; leaf-features: its feature becomes Core_App (then 11)
	// warning keypath-hkcu-per-machine [Component [MenuDir] Registry [reg2BC9C303D49B9942D95AC8BC1C605AF9]]
}
