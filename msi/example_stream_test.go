package msi_test

import (
	"fmt"
	"io"
	"log"

	"github.com/msikit/msikit/msi"
)

// Listing the streams that are not tables and reading one by its decoded
// name.
func ExampleDatabase_OpenStream() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	for _, s := range db.Streams() {
		fmt.Printf("%q %d bytes, table %q\n", s.Name, s.Size, s.Table)
	}

	s, err := db.OpenStream("Icon.app.ico")
	if err != nil {
		log.Fatal(err)
	}
	head := make([]byte, 6)
	if _, err := io.ReadFull(s, head); err != nil {
		log.Fatal(err)
	}
	// An ICONDIR header: reserved 0, type 1 (icon), image count.
	fmt.Printf("% x\n", head)
	// Output:
	// "synth.cab" 742 bytes, table ""
	// "Icon.app.ico" 1150 bytes, table "Icon"
	// "\x05SummaryInformation" 516 bytes, table ""
	// 00 00 01 00 01 00
}

// Reading the stream behind a Binary cell from its row.
func ExampleRow_OpenStream() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	t, err := db.Table("Icon")
	if err != nil {
		log.Fatal(err)
	}
	row, ok := t.Lookup(msi.StrValue("app.ico"))
	if !ok {
		log.Fatal("no app.ico row")
	}
	s, err := row.OpenStream("Data")
	if err != nil {
		log.Fatal(err)
	}
	data, err := io.ReadAll(s)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(row.StreamName(), len(data), "bytes")
	// Output:
	// Icon.app.ico 1150 bytes
}
