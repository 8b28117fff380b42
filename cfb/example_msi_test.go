package cfb_test

import (
	"fmt"
	"log"

	"github.com/msikit/msikit/cfb"
)

// Opening an installer package as a plain compound file. The root CLSID
// marks it as an installer database. Stream names are packed two
// characters per UTF-16 unit into U+3800–U+483F, and table streams start
// with the marker U+4840 (package msi decodes both); the summary
// information stream keeps a plain name starting with \x05.
func ExampleOpenReader() {
	r, err := cfb.OpenReader("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	fmt.Println("version", r.Version, "sector size", r.SectorSize)
	fmt.Println("root CLSID", r.Root.CLSID)
	tables, packed := 0, 0
	for _, e := range r.Root.Children {
		switch u := e.RawName[0]; {
		case u == 0x4840:
			tables++
		case u >= 0x3800 && u < 0x4840:
			packed++
		default:
			fmt.Printf("%q %d bytes\n", e.Name, e.Size)
		}
	}
	fmt.Println(tables, "table streams,", packed, "other packed names")
	// Output:
	// version 3 sector size 512
	// root CLSID {000C1084-0000-0000-C000-000000000046}
	// "\x05SummaryInformation" 516 bytes
	// 30 table streams, 2 other packed names
}
