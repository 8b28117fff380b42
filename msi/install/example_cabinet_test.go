package install_test

import (
	"fmt"
	"log"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// Listing the package's cabinets from the Media table with the embedded
// one's directory (read by package cab), without decompressing.
func ExampleCabinets() {
	db, err := msi.Open("../../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	cabs, err := install.Cabinets(db)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range cabs {
		fmt.Printf("disk %d %s: embedded %v, stream %q, %d bytes, last sequence %d\n",
			c.DiskID, c.Name, c.Embedded, c.Stream, c.Size, c.LastSequence)
		if c.Reader == nil {
			continue
		}
		r := c.Reader // the cabinet's directory, from package cab
		fmt.Printf("  %s, %d files in %d folders\n", c.Compression, len(r.Files), len(r.Folders))
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
