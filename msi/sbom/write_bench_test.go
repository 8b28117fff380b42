package sbom

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// readInventory reads the inventory of the package at path.
func readInventory(tb testing.TB, path string) *Inventory {
	tb.Helper()
	db, err := msi.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	inv, err := Read(db, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return inv
}

// shortStringsInventory has n files whose names, components, folders and
// versions are a few shared strings of 40 to 200 bytes that are not plain
// ASCII: letters of other scripts (printable, left as they are, but each
// looked at) and characters that are not printable (each escaped).
func shortStringsInventory(n int) *Inventory {
	shared := []string{
		strings.Repeat("文件名", 20),                   // 180 bytes, printable
		strings.Repeat("a\u0085\u202e\x01", 12),     // escaped characters
		strings.Repeat("Ωμέγα ", 8),                 // Greek
		strings.Repeat("\"quoted\" \\path\\ ", 3),   // JSON escapes
		strings.Repeat("\U0001F600\U000E0001é", 10), // past U+FFFF
	}
	inv := &Inventory{Package: Package{Kind: msi.PackageInstaller, Name: shared[0]}}
	for i := range n {
		s := func(k int) string { return shared[(i+k)%len(shared)] }
		inv.Files = append(inv.Files, &File{
			File:    install.File{Key: fmt.Sprintf("f%d", i), Name: s(0), Component: s(1), Directory: s(2), Path: "dir/" + s(3), Size: int64(i)},
			Version: s(4), Language: s(1), ComponentID: s(2), Read: true,
			SHA256: sum256([]byte(s(0))), SHA1: sum1([]byte(s(0))),
		})
	}
	return inv
}

// BenchmarkWrite writes the CycloneDX and SPDX documents of inventories
// whose text is of different kinds: the sample package (short ASCII
// strings, typical of real packages), a crafted package whose every row
// names one of four shared 60-72 KiB strings
// (testdata/crafted/valid/msi-shared-64k-everywhere.msi: 92 MB of
// CycloneDX), 50,000 files of a crafted package (49 MB), 20,000 files
// named by shared short strings that are not plain ASCII (the slowest
// text per byte), and a crafted package repeating a File row 1,600 times
// (msi-duplicate-rows.msi: each copy not read, with an error text of its
// own to escape). B/s is document bytes.
func BenchmarkWrite(b *testing.B) {
	crafted := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid")
	invs := []struct {
		name string
		inv  func(testing.TB) *Inventory
	}{
		{"sample", func(tb testing.TB) *Inventory { return readInventory(tb, testenv.SampleMSI()) }},
		{"shared-64k", func(tb testing.TB) *Inventory {
			return readInventory(tb, filepath.Join(crafted, "msi-shared-64k-everywhere.msi"))
		}},
		{"50000-files", func(tb testing.TB) *Inventory {
			return readInventory(tb, filepath.Join(crafted, "msi-media-32767-rows-50000-files.msi"))
		}},
		{"short-strings", func(testing.TB) *Inventory { return shortStringsInventory(20000) }},
		{"duplicate-rows", func(tb testing.TB) *Inventory {
			return readInventory(tb, filepath.Join(crafted, "msi-duplicate-rows.msi"))
		}},
	}
	for _, tt := range invs {
		var inv *Inventory
		for _, format := range []string{"cyclonedx", "spdx"} {
			b.Run(tt.name+"/"+format, func(b *testing.B) {
				if inv == nil {
					inv = tt.inv(b)
				}
				write := inv.WriteCycloneDX
				if format == "spdx" {
					write = inv.WriteSPDX
				}
				var c countWriter
				if err := write(&c, nil); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(c))
				b.ReportAllocs()
				for b.Loop() {
					if err := write(io.Discard, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
