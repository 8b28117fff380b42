package msi

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cfb"
)

// TestOpenStorageAmongMany opens storages of a patch holding thousands:
// each is found by its name without decoding the names of the others
// again (a patch of 36,000 transform storages, each opened in turn by
// msikit info, took 82 s).
func TestOpenStorageAmongMany(t *testing.T) {
	const n = 2000
	var buf bytes.Buffer
	w := cfb.NewWriter(&buf, nil)
	clsid, _ := cfb.ParseGUID(CLSIDPatch)
	w.SetRoot(cfb.Header{CLSID: clsid})
	tclsid, _ := cfb.ParseGUID(CLSIDTransform)
	var want []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("t%d", i)
		if err := w.MkdirHeader("", &cfb.Header{Name: name, CLSID: tclsid}); err != nil {
			t.Fatal(err)
		}
		want = append(want, name)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := NewDatabase(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	got := db.Storages()
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("storages (-want +got):\n%s", diff)
	}
	for _, name := range []string{"t0", "t1999", "t1000"} {
		sub, err := db.OpenStorage(name)
		if err != nil {
			t.Fatalf("OpenStorage(%s): %v", name, err)
		}
		if sub.Kind() != PackageTransform {
			t.Errorf("OpenStorage(%s): kind %v", name, sub.Kind())
		}
	}
	if _, err := db.OpenStorage("t2000"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenStorage(t2000): %v, want fs.ErrNotExist", err)
	}
	// Opening one storage must not cost an allocation per storage of
	// the patch (decoding each one's name to compare it).
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := db.OpenStorage("t1999"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > n/10 {
		t.Errorf("OpenStorage allocates %.0f times among %d storages, want a number that does not grow with them", allocs, n)
	}
}
