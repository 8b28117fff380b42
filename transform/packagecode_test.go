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
	short := &Report{Pass: "leaf-features", Changes: []Change{
		{Op: OpRemove, Table: "FeatureComponents", Key: []string{"Core", "ComServer"}, Old: []string{"Core", "ComServer"}},
		{Op: OpAdd, Table: "Feature", Key: []string{"Core_ComServer"}, New: []string{"Core_ComServer", "Core", "", "", "0", "1", "", "18"}},
	}}
	ph := &packageCodeHash{h: sha256.New()}
	ph.add(short)
	want := sha256.New()
	fmt.Fprintf(want, "%s\x00", short.Pass)
	for _, c := range short.Changes {
		fmt.Fprintf(want, "%s\x01%s\x01%s\x01%s\x01%s\x00", c.Op, c.Table, strings.Join(c.Key, "\x02"), strings.Join(c.Old, "\x02"), strings.Join(c.New, "\x02"))
	}
	if diff := cmp.Diff(want.Sum(nil), ph.h.Sum(nil)); diff != "" {
		t.Errorf("hash of short cells (-as before +now):\n%s", diff)
	}

	long := func(last string) *Report {
		text := strings.Repeat("C", 1<<20-1) + last
		r := &Report{Pass: "leaf-features"}
		for i := range 2000 {
			f := fmt.Sprintf("Long%04d", i)
			r.Changes = append(r.Changes, Change{Op: OpRemove, Table: "FeatureComponents", Key: []string{f, text}, Old: []string{f, text}})
		}
		return r
	}
	a, b := long("a"), long("b")
	var sums [][]byte
	testenv.CheckBudget(t, "hash 2,000 changes naming one 1 MiB cell", func() {
		ph := &packageCodeHash{h: sha256.New()}
		ph.add(a)
		sums = append(sums, ph.h.Sum(nil))
	})
	ph = &packageCodeHash{h: sha256.New()}
	ph.add(b)
	if string(sums[0]) == string(ph.h.Sum(nil)) {
		t.Errorf("changes naming texts that differ in their last byte hash the same")
	}
}
