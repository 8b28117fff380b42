package assemblynames

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// TestManifestXMLBounded: the pass parses at most maxManifestXML bytes
// of manifest XML in one run. Twelve Win32 assemblies whose manifests
// each put a 2 MiB comment before their assemblyIdentity: the first ones
// are read, those past the bound are reported as not parsed and keep
// their rows. Before the bound every manifest was parsed, whatever they
// added up to (176 manifests of 4 MiB delivered by a 4.8 MB package:
// 10.8 s of CPU).
func TestManifestXMLBounded(t *testing.T) {
	const n = 12
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tab := func(name string) *msi.Table {
		tb, err := db.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		return tb
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	tab("MsiAssembly").DeleteFunc(func(msi.Row) bool { return true })
	tab("MsiAssemblyName").DeleteFunc(func(msi.Row) bool { return true })
	s := msi.StrValue
	files := map[string][]byte{}
	comment := "<!--" + strings.Repeat("a", 2<<20) + "-->"
	var parsed int64 // the XML each manifest costs, up to its identity
	for i := range n {
		comp, key := fmt.Sprintf("C%02d", i), fmt.Sprintf("M%02d", i)
		head := `<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">` + comment
		identity := fmt.Sprintf(`<assemblyIdentity type="win32" name="A%02d" version="1.0.0.0"/>`, i)
		files[key] = []byte(head + identity + "</assembly>")
		parsed = int64(len(head) + len(identity))
		must(tab("Component").Insert(s(comp), s(fmt.Sprintf("{11111111-2222-3333-4444-%012X}", i)), s("BINDIR"), msi.IntValue(0), msi.Null, s(key)))
		must(tab("File").Insert(s(key), s(comp), s(key+".manifest"), msi.IntValue(int32(len(files[key]))), msi.Null, msi.Null, msi.IntValue(512), msi.IntValue(int32(100+i))))
		must(tab("MsiAssembly").Insert(s(comp), s("Assemblies"), s(key), msi.Null, msi.IntValue(1)))
	}
	rep, err := Run(db, Options{Open: openMap(files)})
	if err != nil {
		t.Fatal(err)
	}
	// Each manifest costs parsed bytes; the one that would pass the bound
	// stops on its comment, the rest are not parsed at all.
	read := int(maxManifestXML / parsed)
	if read == 0 || read >= n {
		t.Fatalf("%d of %d manifests within the bound: the test needs some on each side", read, n)
	}
	var want, got []string
	for i := range n {
		name := fmt.Sprintf("A%02d", i)
		if i >= read {
			name = "(not read)"
		}
		want = append(want, name)
		if v, ok := names(t, db, fmt.Sprintf("C%02d", i))["name"]; ok {
			got = append(got, v)
		} else {
			got = append(got, "(not read)")
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names read (-want +got):\n%s", diff)
	}
	notes := noteText(rep)
	if c := strings.Count(notes, fmt.Sprintf("the manifests of the package reached the %d bytes of XML this pass parses", maxManifestXML)); c != n-read {
		t.Errorf("%d notes name the bound, want %d:\n%s", c, n-read, notes)
	}
}
