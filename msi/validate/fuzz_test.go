package validate

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// fuzzSeedMax bounds the packages used as seeds: larger ones make each
// fuzzing step slow.
const fuzzSeedMax = 64 << 10

// FuzzValidate runs every rule on arbitrary bytes opened as a database,
// within the fuzz budgets, and checks what Validate promises: an error is
// ErrUnsupported, a table that cannot be decoded (msi.ErrFormat) or none;
// findings come rule by rule in the order of Rules, each rule's sorted,
// none listed twice, at most MaxFindings of a rule and severity listed;
// and ICE03's rows counted by replaying the row before them give the
// findings a check of each row gives.
func FuzzValidate(f *testing.F) {
	root := testenv.RepoRoot()
	paths := []string{filepath.Join(root, "testdata", "sample.msi")}
	for _, dir := range []string{"crafted", filepath.Join("crafted", "valid")} {
		p, _ := filepath.Glob(filepath.Join(root, "testdata", dir, "*.ms[im]"))
		paths = append(paths, p...)
	}
	if dir := testenv.CorpusDir(); dir != "" {
		p, _ := filepath.Glob(filepath.Join(dir, "*", "*.ms[im]"))
		paths = append(paths, p...)
	}
	// The small installer every rule passes, with the base _Validation
	// table: the packages above have none, and without one ICE03 checks
	// little.
	fix := baseInstaller()
	withValidation(nil)(fix)
	f.Add(fix.bytes(f))
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || fi.Size() > fuzzSeedMax {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	order := map[string]int{}
	for i, r := range Rules() {
		order[r.ICE] = i
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 8<<20 {
			return
		}
		db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		const max = 3 // small, so that the bound is met often
		opts := &Options{MaxFindings: max}
		var fs []Finding
		testenv.CheckFuzzBudget(t, len(data), func() { fs, err = Validate(db, opts) })
		if err != nil {
			if !errors.Is(err, msi.ErrFormat) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error neither msi.ErrFormat nor ErrUnsupported: %v", err)
			}
			return
		}
		listed := map[ruleSev]int{}
		for i := range fs {
			f := &fs[i]
			if f.Omitted > 0 {
				continue
			}
			if listed[ruleSev{f.ICE, f.Severity}]++; listed[ruleSev{f.ICE, f.Severity}] > max {
				t.Fatalf("%s: more than %d %v findings listed", f.ICE, max, f.Severity)
			}
			if i == 0 || fs[i-1].ICE != f.ICE {
				continue
			}
			if d := compareFindings(fs[i-1], *f); d > 0 || d == 0 && same(&fs[i-1], f) {
				t.Fatalf("%s: findings out of order or listed twice:\n%v\n%v", f.ICE, fs[i-1], *f)
			}
		}
		for i := 1; i < len(fs); i++ {
			if order[fs[i-1].ICE] > order[fs[i].ICE] {
				t.Fatalf("%s listed before %s", fs[i-1].ICE, fs[i].ICE)
			}
		}
		replayRows = false
		want, err := Validate(db, opts)
		replayRows = true
		if err != nil {
			t.Fatalf("each row checked: %v, where replaying rows gave none", err)
		}
		if d := cmp.Diff(want, fs); d != "" {
			t.Fatalf("(-each row checked +rows replayed):\n%s", d)
		}
	})
}
