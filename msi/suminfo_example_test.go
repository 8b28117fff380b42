package msi_test

import (
	"fmt"
	"log"

	"github.com/msikit/msikit/msi"
)

// Reading the summary information of a package: typed properties, with
// strings decoded from the property set's codepage.
func ExampleDatabase_SummaryInfo() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	si, err := db.SummaryInfo()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Title:   ", si.String(msi.PIDTitle))
	fmt.Println("Template:", si.String(msi.PIDTemplate))
	fmt.Println("Package: ", si.String(msi.PIDRevision))
	if v, ok := si.Int(msi.PIDPageCount); ok {
		fmt.Println("Needs Windows Installer", float64(v)/100)
	}
	for _, p := range si.Properties() {
		if p.Type == msi.PropFiletime {
			fmt.Printf("%-8s  %s (%s)\n", p.ID, p.Text(), p.Type)
		}
	}
	// Output:
	// Title:    Installation Database
	// Template: Intel;1033
	// Package:  {CA84CAB9-CFE5-8F89-0D70-EA88B4E9BBD4}
	// Needs Windows Installer 5
	// Created   2026/11/21 05:17:37 (VT_FILETIME)
	// LastSaved  2026/11/21 05:17:37 (VT_FILETIME)
}

// Editing summary information: set properties, then store the set; it is
// written with the database.
func ExampleSummaryInfo_SetString() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	si, err := db.SummaryInfo()
	if err != nil {
		log.Fatal(err)
	}
	if err := si.SetString(msi.PIDAuthor, "Example Corp"); err != nil {
		log.Fatal(err)
	}
	if err := si.SetString(msi.PIDCreated, "not a time"); err != nil {
		fmt.Println(err)
	}
	if err := db.SetSummaryInfo(si); err != nil {
		log.Fatal(err)
	}
	// db.Save("out.msi", nil) would now write the new property set.
	si2, _ := db.SummaryInfo()
	fmt.Println(si2.String(msi.PIDAuthor))
	// Output:
	// msi: wrong type for summary information property: Created is VT_FILETIME, not a string
	// Example Corp
}
