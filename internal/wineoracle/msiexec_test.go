package wineoracle

import (
	"context"
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
