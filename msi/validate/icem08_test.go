package validate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// scanVersionLess is the comparison ICEM08 made for each pair of a
// dependency and an exclusion, kept as the oracle of its ranked ranges.
func scanVersionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// TestICEM08AgreesWithScan: on random modules, ICEM08 reports the
// dependencies that scanning every exclusion of the required module finds
// excluded, languages and open-ended version ranges included.
func TestICEM08AgreesWithScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	versions := []string{"", "1", "1.0", "1.0.0", "1.5", "2", "2.0.1", "10.0", "9.99", "a.b", "-1.2", "1.-1", "99999999999999999999"}
	langs := []int{0, 1031, 1033}
	ids := []string{modOther, "Third.1"}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	for round := range 60 {
		type dep struct {
			id   string
			lang int
			ver  string
		}
		type excl struct {
			id       string
			lang     int
			min, max string
		}
		var deps []dep
		var excls []excl
		f := baseModule()
		for i := range 1 + rng.IntN(12) {
			d := dep{pick(ids), langs[rng.IntN(len(langs))], pick(versions)}
			deps = append(deps, d)
			// ModuleLanguage i keeps the keys distinct.
			f.add("ModuleDependency", row(modID, i+1, d.id, d.lang, d.ver))
		}
		for i := range rng.IntN(8) {
			e := excl{pick(ids), langs[rng.IntN(len(langs))], pick(versions), pick(versions)}
			excls = append(excls, e)
			f.add("ModuleExclusion", row(modID, i+1, e.id, e.lang, e.min, e.max))
		}
		var want []string
		for i, d := range deps {
			for _, e := range excls {
				if e.id != d.id || e.lang != 0 && d.lang != 0 && e.lang != d.lang {
					continue
				}
				if d.ver != "" && ((e.min != "" && scanVersionLess(d.ver, e.min)) || (e.max != "" && scanVersionLess(e.max, d.ver))) {
					continue
				}
				want = append(want, fmt.Sprintf("error ModuleDependency[%s,%d,%s,%d].RequiredID", modID, i+1, d.id, d.lang))
				break
			}
		}
		got, _ := f.run(t, "ICEM08")
		slices.Sort(want)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round %d: deps %+v, exclusions %+v: findings (-scan +got):\n%s", round, deps, excls, diff)
		}
	}
}

// TestICEM08ManyExclusions: a module requiring another 30,000 times, in
// 30,000 languages, which it excludes 30,000 times in other languages:
// each dependency scanned every exclusion of the module, 900 million
// checks (1.7 s; a 5 MB module holds 200,000 of each, 74 s).
func TestICEM08ManyExclusions(t *testing.T) {
	const n = 30000
	f := baseModule()
	for i := range n {
		f.add("ModuleDependency", row(modID, i+1, modOther, 2, "2.0"))
		f.add("ModuleExclusion", row(modID, i+1, modOther, 3+i, "", ""))
	}
	db := f.build(t)
	var fs []Finding
	var err error
	testenv.CheckBudgetOf(t, "ICEM08", 250*time.Millisecond, testenv.HeapBudget, func() {
		fs, err = Validate(db, &Options{Rules: []string{"ICEM08"}})
	})
	if err != nil || len(fs) != 0 {
		t.Errorf("ICEM08: %v, %d findings, want none", err, len(fs))
	}
}
