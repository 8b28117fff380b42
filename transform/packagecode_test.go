package transform

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// The hash a new PackageCode is derived from takes a report's short
// cells as it always did (so real packages keep their codes), and a
// long pooled cell named by thousands of changes once, by its digest.
func TestPackageCodeHashCells(t *testing.T) {
	short := reportOf("leaf-features",
		Change{Op: OpRemove, Table: "FeatureComponents", Key: []string{"Core", "ComServer"}, Old: []string{"Core", "ComServer"}},
		Change{Op: OpAdd, Table: "Feature", Key: []string{"Core_ComServer"}, New: []string{"Core_ComServer", "Core", "", "", "0", "1", "", "18"}},
	)
	ph := newCellHash()
	ph.add(short)
	want := sha256.New()
	fmt.Fprintf(want, "%s\x00", short.Pass)
	for _, c := range short.Changes() {
		fmt.Fprintf(want, "%s\x01%s\x01%s\x01%s\x01%s\x00", c.Op, c.Table, strings.Join(c.Key, "\x02"), strings.Join(c.Old, "\x02"), strings.Join(c.New, "\x02"))
	}
	if diff := cmp.Diff(want.Sum(nil), ph.sum()); diff != "" {
		t.Errorf("hash of short cells (-as before +now):\n%s", diff)
	}

	long := func(last string) *Report {
		text := strings.Repeat("C", 1<<20-1) + last
		r := &Report{Pass: "leaf-features"}
		for i := range 2000 {
			f := fmt.Sprintf("Long%04d", i)
			r.AddChange(Change{Op: OpRemove, Table: "FeatureComponents", Key: []string{f, text}, Old: []string{f, text}})
		}
		return r
	}
	a, b := long("a"), long("b")
	var sums [][]byte
	testenv.CheckBudget(t, "hash 2,000 changes naming one 1 MiB cell", func() {
		ph := newCellHash()
		ph.add(a)
		sums = append(sums, ph.sum())
	})
	ph = newCellHash()
	ph.add(b)
	if string(sums[0]) == string(ph.sum()) {
		t.Errorf("changes naming texts that differ in their last byte hash the same")
	}
}

// previewReport returns a report of n changes shaped as class-to-registry's
// (a Class row removed, a Registry row added), each cell its own text.
func previewReport(n int) *Report {
	r := &Report{Pass: "class-to-registry"}
	for i := range n {
		clsid := fmt.Sprintf("{%08X-0000-0000-0000-000000000000}", i)
		r.AddChange(Change{Op: OpRemove, Table: "Class", Key: []string{clsid, "LocalServer32", "Comp"},
			Old: []string{clsid, "LocalServer32", "Comp", "", "Description", "", "", "", "0", "", "", "", "Feature"}})
		r.AddChange(Change{Op: OpAdd, Table: "Registry", Key: []string{"reg" + clsid},
			New: []string{"reg" + clsid, "0", `CLSID\` + clsid + `\LocalServer32`, "", "[#File]", "Comp"}})
	}
	return r
}

// Hashing a change allocates nothing: a preview of 65,000 classes hashes
// some ten million cells, each of which went through fmt or a []byte copy
// of its own. A report allocates a few times (the buffer its changes are
// decoded into, grown to the widest row), whatever its length.
func TestPackageCodeHashAllocs(t *testing.T) {
	r := previewReport(100)
	ph := newCellHash()
	if n := testing.AllocsPerRun(10, func() { ph.add(r) }); n > 8 {
		t.Errorf("hashing a report of %d changes: %v allocations, want at most 8", r.NumChanges(), n)
	}
}

func BenchmarkPackageCodeHash(b *testing.B) {
	r := previewReport(1000)
	var n int64
	for _, c := range r.Changes() {
		for _, row := range [][]string{{string(c.Op), c.Table}, c.Key, c.Old, c.New} {
			for _, s := range row {
				n += int64(len(s)) + 1
			}
		}
	}
	b.SetBytes(n)
	b.ReportAllocs()
	ph := newCellHash()
	for b.Loop() {
		ph.add(r)
	}
	ph.sum()
}
