package msi_test

import (
	"fmt"
	"log"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/msi"
)

// Listing the package's cabinets from the Media table and reading the
// embedded one's file list with package cab, without decompressing.
func ExampleDatabase_Cabinets() {
	db, err := msi.Open("../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	cabs, err := db.Cabinets()
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range cabs {
		fmt.Printf("disk %d %s: embedded %v, stream %q, %d bytes, last sequence %d\n",
			c.DiskID, c.Name, c.Embedded, c.Stream, c.Size, c.LastSequence)
		if c.Header != nil {
			fmt.Printf("  %s, %d files in %d folders\n", c.Header.Compression(), c.Header.Files, len(c.Header.Folders))
		}
		if !c.Embedded {
			continue
		}
		s, err := db.OpenStream(c.Stream)
		if err != nil {
			log.Fatal(err)
		}
		r, err := cab.NewReader(s, s.Size())
		if err != nil {
			log.Fatal(err)
		}
		for _, f := range r.Files[:3] {
			fmt.Printf("  %s %d bytes\n", f.Name, f.Size)
		}
	}
	// Output:
	// disk 1 #synth.cab: embedded true, stream "synth.cab", 742 bytes, last sequence 17
	//   MSZIP, 17 files in 1 folders
	//   comserver.dll 27 bytes
	//   comserver.tlb 18 bytes
	//   comlocal.exe 25 bytes
}
