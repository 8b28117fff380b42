package sbom_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/sbom"
)

// Read the inventory of a package and use it as Go values: the package's
// identity, then each installed file with its hashes and what its
// contents say. (The sample's DLLs are placeholders, not real PE images:
// only the identities the package declares show.)
func ExampleRead() {
	db, err := msi.Open("../../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	inv, err := sbom.Read(db, nil)
	if err != nil {
		log.Fatal(err) // errors.Is(err, msi.ErrFormat), or sbom.ErrUnsupported for a transform
	}
	p := inv.Package
	fmt.Printf("%s %s by %s, %s\n", p.Name, p.Version, p.Manufacturer, p.ProductCode)
	fmt.Println(len(inv.Files), "files, complete:", inv.Complete())
	for _, f := range inv.Files[:3] {
		fmt.Printf("%s %x…", f.Path, f.SHA256[:8])
		if f.PE != nil && f.PE.DotNet != nil { // what the file's metadata says
			fmt.Printf(" .NET %s %s", f.PE.DotNet.Name, f.PE.DotNet.Version)
		}
		if a := f.Assembly; a != nil { // what the package declares (MsiAssemblyName)
			fmt.Print(" declared:")
			for _, n := range a.Names {
				fmt.Printf(" %s=%s", n.Name, n.Value)
			}
		}
		fmt.Println()
	}
	// Output:
	// Synthetic all 1.2.3 by Synthetic Corpus, {06D83F77-1CB2-5C83-5361-FE484B11B8CA}
	// 17 files, complete: true
	// Program Files (x86)/SynthCorp/assemblies/Contoso.Core.dll a72cdb062bae1c1c… declared: culture=neutral name=Contoso.Core publicKeyToken=0123456789abcdef version=1.0.0.0
	// Program Files (x86)/SynthCorp/assemblies/Contoso.Good.dll 4d50a4b63a2847e1… declared: culture=neutral name=Contoso.Good processorArchitecture=MSIL publicKeyToken=00112233445566aa version=3.0.0.0
	// Program Files (x86)/SynthCorp/assemblies/Contoso.Neutral.dll 29e2b2c9a8bd1288… declared: culture=neutral name=Contoso.Neutral processorArchitecture=neutral publicKeyToken=fedcba9876543210 version=2.0.0.0
}

// Write the inventory as a CycloneDX 1.6 document (WriteSPDX for SPDX
// 2.3). A fixed creation time makes the document reproducible.
func ExampleInventory_WriteCycloneDX() {
	db, err := msi.Open("../../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	inv, err := sbom.Read(db, nil)
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	opts := &sbom.WriteOptions{Created: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), ToolVersion: "v1.0.0"}
	if err := inv.WriteCycloneDX(&buf, opts); err != nil {
		log.Fatal(err)
	}
	var doc struct {
		SpecVersion string `json:"specVersion"`
		Metadata    struct {
			Timestamp string `json:"timestamp"`
			Component struct {
				Name string `json:"name"`
			} `json:"component"`
		} `json:"metadata"`
		Components []struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"components"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		log.Fatal(err)
	}
	fmt.Println("CycloneDX", doc.SpecVersion, doc.Metadata.Timestamp, doc.Metadata.Component.Name)
	fmt.Println(len(doc.Components), "components, the first:", doc.Components[0].Type, doc.Components[0].Name)
	// Output:
	// CycloneDX 1.6 2024-01-02T03:04:05Z Synthetic all
	// 17 components, the first: file Contoso.Core.dll
}

// Refuse a document past a size before writing any of it: a crafted
// package can make a document thousands of times its own size, as each
// file quotes strings the package stores once. The inventory is written
// twice, first only counted; errors.Is(err, sbom.ErrTooLarge) tells the
// refusal from a write error.
func ExampleWriteOptions_maxBytes() {
	db, err := msi.Open("../../testdata/sample.msi")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	inv, err := sbom.Read(db, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, limit := range []int64{1 << 10, 256 << 20} {
		var buf bytes.Buffer
		err := inv.WriteCycloneDX(&buf, &sbom.WriteOptions{MaxBytes: limit})
		fmt.Printf("limit %d: refused %v, %d bytes written\n", limit, errors.Is(err, sbom.ErrTooLarge), buf.Len())
	}
	// Output:
	// limit 1024: refused true, 0 bytes written
	// limit 268435456: refused false, 31392 bytes written
}
