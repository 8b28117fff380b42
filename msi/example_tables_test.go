package msi_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/msikit/msikit/msi"
)

// Printing every table that has rows, with its row count and key columns.
func ExampleDatabase_TableNames() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	for _, name := range db.TableNames() {
		t, err := db.Table(name)
		if err != nil {
			log.Fatal(err)
		}
		var keys []string
		for _, c := range t.KeyColumns() {
			keys = append(keys, c.Name)
		}
		if t.Len() > 0 {
			fmt.Printf("%-22s %3d rows, key %s\n", name, t.Len(), strings.Join(keys, ","))
		}
	}
	// Output:
	// RemoveFile               1 rows, key FileKey
	// InstallExecuteSequence  33 rows, key Action
	// FeatureComponents       16 rows, key Feature_,Component_
	// AdvtExecuteSequence     14 rows, key Action
	// Property                 8 rows, key Property
	// Feature                  8 rows, key Feature
	// InstallUISequence        5 rows, key Action
	// File                    17 rows, key File
	// Component               16 rows, key Component
	// Media                    1 rows, key DiskId
	// MsiFileHash             17 rows, key File_
	// Icon                     1 rows, key Name
	// AdminExecuteSequence     8 rows, key Action
	// Directory                9 rows, key Directory
	// AdminUISequence          4 rows, key Action
	// Registry                 2 rows, key Registry
	// Verb                     3 rows, key Extension_,Verb
	// Shortcut                 2 rows, key Shortcut
	// AppId                    1 rows, key AppId
	// Class                    3 rows, key CLSID,Context,Component_
	// Extension                3 rows, key Extension,Component_
	// MIME                     2 rows, key ContentType
	// MsiAssembly              4 rows, key Component_
	// MsiAssemblyName         19 rows, key Component_,Name
	// ProgId                   4 rows, key ProgId
	// TypeLib                  2 rows, key LibID,Language,Component_
}

// Walking a table with the Rows iterator and reading cells by column name.
// A null cell is the zero Value; Str and Int return "" and 0 for it.
func ExampleRow_Get() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	t, err := db.Table("Directory")
	if err != nil {
		log.Fatal(err)
	}
	for row := range t.Rows() {
		parent := row.Get("Directory_Parent")
		if parent.IsNull() {
			fmt.Printf("%s (root) %s\n", row.Get("Directory"), row.Get("DefaultDir"))
			continue
		}
		fmt.Printf("%s in %s: %s\n", row.Get("Directory"), parent.Str(), row.Get("DefaultDir"))
	}
	// Output:
	// SynthMenu in ProgramMenuFolder: SynthCorp
	// INSTALLDIR in ProgramFilesFolder: SynthCorp
	// BINDIR in INSTALLDIR: bin
	// DATADIR in INSTALLDIR: data
	// ASMDIR in INSTALLDIR: assemblies
	// ProgramFilesFolder in TARGETDIR: .
	// TARGETDIR (root) SourceDir
	// ProgramMenuFolder in TARGETDIR: .
	// DesktopFolder in TARGETDIR: .
}
