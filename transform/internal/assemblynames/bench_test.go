package assemblynames

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// BenchmarkAssemblyNames runs the pass over a package of n .NET
// assemblies, each in a component of its own with an MsiAssemblyName
// row holding only its name: each run reads n assembly images (from
// memory, through Options.Open, so the cabinets are not measured:
// BenchmarkExtract does that) and adds four rows for each. ns/assembly
// should stay flat across the series.
func BenchmarkAssemblyNames(b *testing.B) {
	image := fixture(1, true)
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("assemblies=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "assemblies.msi")
			files := assembliesPackage(b, path, n, image)
			opts := Options{Open: openMap(files)}
			b.SetBytes(int64(n * len(image)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db, err := msi.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				rep, err := Run(db, opts)
				if err != nil {
					b.Fatal(err)
				}
				if got := len(rep.Changes); got != 4*n {
					b.Fatalf("%d changes, want %d", got, 4*n)
				}
				b.StopTimer()
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/assembly")
		})
	}
}

// assembliesPackage writes to path the sample package with its
// assemblies replaced by n components, each with one file (key Fi) and
// an MsiAssembly row naming it, and returns the files' contents by key.
func assembliesPackage(b *testing.B, path string, n int, image []byte) map[string][]byte {
	b.Helper()
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tab := func(name string) *msi.Table {
		tb, err := db.Table(name)
		if err != nil {
			b.Fatal(err)
		}
		return tb
	}
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	tab("MsiAssembly").DeleteFunc(func(msi.Row) bool { return true })
	tab("MsiAssemblyName").DeleteFunc(func(msi.Row) bool { return true })
	s := msi.StrValue
	files := make(map[string][]byte, n)
	for i := range n {
		comp, key := fmt.Sprintf("C%d", i), fmt.Sprintf("F%d", i)
		guid := fmt.Sprintf("{11111111-2222-3333-4444-%012X}", i)
		must(tab("Component").Insert(s(comp), s(guid), s("BINDIR"), msi.IntValue(0), msi.Null, s(key)))
		must(tab("File").Insert(s(key), s(comp), s(key+".dll"), msi.IntValue(int32(len(image))), msi.Null, msi.Null, msi.IntValue(512), msi.IntValue(int32(100+i))))
		must(tab("MsiAssembly").Insert(s(comp), s("Assemblies"), msi.Null, msi.Null, msi.IntValue(0)))
		must(tab("MsiAssemblyName").Insert(s(comp), s("name"), s("Contoso.Lib")))
		files[key] = image
	}
	must(db.Save(path, nil))
	return files
}
