package assemblynames

import (
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// An attribute name of a long pooled text is folded once, not once per
// row that names it: 4,000 components whose MsiAssemblyName rows name
// one 1 MiB attribute scanned 4 GiB in strings.ToLower (the pass, and
// ValueValid for the audit, 1.2 s each for 20,000 components naming a
// 60 KB text).
func TestLongSharedAttributeName(t *testing.T) {
	const n = 4000
	long := strings.Repeat("Ab", 1<<19)
	db := testDB(t, 0, "", "m.dll", nil, nil)
	comps, err := db.Table("Component")
	if err != nil {
		t.Fatal(err)
	}
	asm, err := db.Table("MsiAssembly")
	if err != nil {
		t.Fatal(err)
	}
	names, err := db.Table("MsiAssemblyName")
	if err != nil {
		t.Fatal(err)
	}
	s := msi.StrValue
	for i := range n {
		c := fmt.Sprintf("A%d", i)
		for _, err := range []error{
			comps.Insert(s(c), s(fmt.Sprintf("{%08X-2222-3333-4444-555555555555}", i)), s("BINDIR"), msi.IntValue(0), msi.Null, msi.Null),
			asm.Insert(s(c), s("Assemblies"), s("m.dll"), msi.Null, msi.IntValue(0)),
			names.Insert(s(c), s(long), s("x")),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	noFile := func(string) (io.ReaderAt, int64, error) { return nil, 0, fs.ErrNotExist }
	testenv.CheckBudget(t, "plan 4,000 assemblies naming one 1 MiB attribute", func() {
		if _, err := Run(db, Options{Open: noFile}); err != nil {
			t.Fatal(err)
		}
	})
	testenv.CheckBudget(t, "check 4,000 values of one 1 MiB attribute", func() {
		for range n {
			if !ValueValid(long, "x", false) || ValueValid(long, "", false) {
				t.Fatal("a value of an attribute the pass does not check is valid when it is not empty")
			}
		}
	})
}
