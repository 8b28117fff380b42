package wineoracle

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestMsiExecOnceMoreIfNotStarted checks that MsiExec makes a second run
// only when the first failed before msiexec wrote its log, and never a
// third.
func TestMsiExecOnceMoreIfNotStarted(t *testing.T) {
	for _, tt := range []struct {
		name       string
		exits      []int
		writeLogOn map[int]bool
		wantErr    bool
		wantRuns   int
	}{
		{"succeeds", []int{0}, map[int]bool{1: true}, false, 1},
		{"not started, then succeeds", []int{1, 0}, map[int]bool{2: true}, false, 2},
		{"not started twice", []int{1, 1, 0}, nil, true, 2},
		{"failed after it started", []int{1603, 0}, map[int]bool{1: true, 2: true}, true, 1},
		{"not started, then failed after it started", []int{1, 1603, 0}, map[int]bool{2: true}, true, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var runs []string
			for i, code := range tt.exits {
				r := "exit " + strconv.Itoa(code)
				if tt.writeLogOn[i+1] {
					r = "echo 'Action ended: INSTALL. Return value 3.' > \"$log\"; " + r
				}
				runs = append(runs, r)
			}
			wine, err := FakeWine(dir, runs)
			if err != nil {
				t.Fatal(err)
			}
			p := Attach(wine, filepath.Join(dir, "prefix"))
			if err := os.MkdirAll(p.Dir, 0o755); err != nil {
				t.Fatal(err)
			}
			_, err = p.MsiExec(context.Background(), "/x", filepath.Join(dir, "p.msi"))
			if (err != nil) != tt.wantErr {
				t.Errorf("MsiExec: %v, want error %v", err, tt.wantErr)
			}
			if got, err := FakeRuns(wine); err != nil || got != tt.wantRuns {
				t.Errorf("wine ran %d times (%v), want %d", got, err, tt.wantRuns)
			}
		})
	}
}

// recordTB records what Comparable reports instead of ending the test.
type recordTB struct {
	testing.TB
	fatal string
	logs  int
}

func (r *recordTB) Helper()                        {}
func (r *recordTB) Fatalf(format string, a ...any) { r.fatal = fmt.Sprintf(format, a...) }
func (r *recordTB) Logf(string, ...any)            { r.logs++ }

// TestComparable checks that Comparable makes the installs once when every
// msiexec run saw the machine's name, once more (in the prefix again
// gives) when one did not, and fails when the second attempt misses too.
func TestComparable(t *testing.T) {
	const named, unnamed = "Property(S): ComputerName = VM", "Property(S): ComputerName = "
	for _, tt := range []struct {
		name                    string
		logs                    []string // per msiexec run, two a call of installs
		wantInstalls, wantAgain int
		wantFatal               bool
	}{
		{"all named", []string{named, named}, 1, 0, false},
		{"first attempt misses", []string{unnamed, named, named, named}, 2, 1, false},
		{"no property at all", []string{"", named, named, named}, 2, 1, false},
		{"both attempts miss", []string{named, unnamed, named, unnamed}, 2, 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var runs []string
			for _, l := range tt.logs {
				runs = append(runs, "echo 'Action start: INSTALL.' > \"$log\"; echo '"+l+"' >> \"$log\"; exit 0")
			}
			wine, err := FakeWine(dir, runs)
			if err != nil {
				t.Fatal(err)
			}
			prefix := func(name string) *Prefix {
				p := Attach(wine, filepath.Join(dir, name))
				if err := os.MkdirAll(p.Dir, 0o755); err != nil {
					t.Fatal(err)
				}
				return p
			}
			p := prefix("prefix")
			var installs, again int
			rec := &recordTB{TB: t}
			Comparable(rec, p, func() {
				installs++
				for range 2 {
					if _, err := p.MsiExec(context.Background(), "/i", filepath.Join(dir, "p.msi")); err != nil {
						t.Fatal(err)
					}
				}
			}, func() *Prefix {
				again++
				p = prefix("again")
				return p
			})
			if installs != tt.wantInstalls || again != tt.wantAgain || (rec.fatal != "") != tt.wantFatal {
				t.Errorf("installs %d, again %d, fatal %q; want %d, %d, fatal %v", installs, again, rec.fatal, tt.wantInstalls, tt.wantAgain, tt.wantFatal)
			}
		})
	}
}
