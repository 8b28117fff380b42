package msi_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/msikit/msikit/msi"
)

// Exporting a table as IDT text, byte for byte what "msiinfo export" prints.
// The lines end in CR LF; the example prints them with LF.
func ExampleDatabase_ExportIDT() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	var idt strings.Builder
	if err := db.ExportIDT(&idt, "Media", nil); err != nil {
		log.Fatal(err)
	}
	fmt.Print(strings.ReplaceAll(idt.String(), "\r\n", "\n"))
	// Output:
	// DiskId	LastSequence	DiskPrompt	Cabinet	VolumeLabel	Source
	// i2	i4	L64	S255	S32	S72
	// Media	DiskId
	// 1	17		#synth.cab
}

// Importing an IDT file replaces a table's rows (or creates the table), as
// msibuild -i does; the database is then saved with Save.
func ExampleDatabase_ImportIDT() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	idt := "Property\tValue\r\ns72\tl0\r\nProperty\tProperty\r\n" +
		"ProductName\tRenamed product\r\nProductVersion\t2.0.0\r\n"
	table, err := db.ImportIDT(strings.NewReader(idt), nil)
	if err != nil {
		log.Fatal(err)
	}
	t, _ := db.Table(table)
	for row := range t.Rows() {
		fmt.Printf("%s = %s\n", row.Get("Property"), row.Get("Value"))
	}
	// db.Save("out.msi", nil) writes the result atomically.
	// Output:
	// ProductName = Renamed product
	// ProductVersion = 2.0.0
}
