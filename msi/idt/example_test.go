package idt_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

// Exporting a table as IDT text, byte for byte what "msiinfo export" prints.
// The lines end in CR LF; the example prints them with LF.
func ExampleExport() {
	db, err := msi.Open("../../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	var text strings.Builder
	if err := idt.Export(&text, db, "Media", nil); err != nil {
		log.Fatal(err)
	}
	fmt.Print(strings.ReplaceAll(text.String(), "\r\n", "\n"))
	// Output:
	// DiskId	LastSequence	DiskPrompt	Cabinet	VolumeLabel	Source
	// i2	i4	L64	S255	S32	S72
	// Media	DiskId
	// 1	17		#synth.cab
}

// Checking how much text an export of a package one does not trust would
// write, before writing it: a string the package stores once is written
// in every cell that uses it.
func ExampleExportSize() {
	db, err := msi.Open("../../testdata/crafted/valid/msi-json-shared-64k-string.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	st, _ := os.Stat("../../testdata/crafted/valid/msi-json-shared-64k-string.msi")
	n, err := idt.ExportSize(db, "Blob")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("a %d KB package, %d MB of text\n", st.Size()>>10, n>>20)
	if n > 64<<20 {
		fmt.Println("refused")
	}
	// Output:
	// a 80 KB package, 125 MB of text
	// refused
}

// Counting the files an export into a folder would write, before writing
// any: a file per table and per binary cell. A package of a few megabytes
// can name hundreds of thousands of empty tables.
func ExampleExportFiles() {
	db, err := msi.Open("../../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	var files int64
	for _, table := range idt.Tables(db) {
		n, err := idt.ExportFiles(db, table)
		if err != nil {
			log.Fatal(err)
		}
		files += n
	}
	icons, _ := idt.ExportFiles(db, "Icon")
	fmt.Printf("%d tables, %d files (Icon: %d)\n", len(idt.Tables(db)), files, icons)
	// Output:
	// 39 tables, 40 files (Icon: 2)
}

// Importing an IDT file replaces a table's rows (or creates the table), as
// msibuild -i does; the database is then saved with Save.
func ExampleImport() {
	db, err := msi.Open("../../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	text := "Property\tValue\r\ns72\tl0\r\nProperty\tProperty\r\n" +
		"ProductName\tRenamed product\r\nProductVersion\t2.0.0\r\n"
	table, err := idt.Import(db, strings.NewReader(text), nil)
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

// Exporting every table into a folder. Names that cannot be file names
// (this package has a table called "../escaped") are skipped and reported;
// the rest of the export is in place.
func ExampleExportDir() {
	db, err := msi.Open("../../testdata/crafted/valid/msi-names-escape.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	dir, err := os.MkdirTemp("", "export-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	err = idt.ExportDir(filepath.Join(dir, "idt"), db)
	if errors.Is(err, idt.ErrUnsafeName) {
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			fmt.Println("skipped:", e)
		}
	} else if err != nil {
		log.Fatal(err)
	}
	files, _ := os.ReadDir(filepath.Join(dir, "idt"))
	fmt.Println(len(files), "files and folders written")
	// Output:
	// skipped: idt: table "../escaped" cannot be written as a file: file name "../escaped" contains a path separator
	// skipped: idt: table "..\\escaped" cannot be written as a file: file name "..\\escaped" contains a path separator
	// skipped: idt: table "CON" cannot be written as a file: file name "CON" is a device name Windows reserves
	// skipped: idt: table "\x1b[2Jred\x1b[0m" cannot be written as a file: file name "\x1b[2Jred\x1b[0m" contains a control character
	// skipped: idt: table "Binary": binary cell "Binary.\x1b]0;pwned\a" cannot be written as a file: file name "Binary.\x1b]0;pwned\a" contains a control character
	// 6 files and folders written
}

// Exporting every table into a folder, stopped by Ctrl-C: once the
// context is done the export stops before the next table or binary cell
// file and leaves the folder as it was (here: not created).
func ExampleExportDirContext() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	db, err := msi.Open("../../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	dir, err := os.MkdirTemp("", "export-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	err = idt.ExportDirContext(ctx, filepath.Join(dir, "idt"), db)
	if errors.Is(err, context.Canceled) {
		fmt.Println("interrupted: nothing written")
		return
	} else if err != nil {
		log.Fatal(err)
	}
	files, _ := os.ReadDir(filepath.Join(dir, "idt"))
	fmt.Println(len(files), "files and folders written")
	// Output:
	// 40 files and folders written
}
