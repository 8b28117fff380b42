package wineoracle

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeWine writes a wine and a wineserver script into dir. Each run of
// the wine script appends a line to dir/runs; the run numbered in
// writeLogOn (1-based) writes its log (the argument after /l*v, a Z:
// path), and every run exits with the status listed for it.
func fakeWine(t *testing.T, dir string, exits []int, writeLogOn map[int]bool) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("#!/bin/sh\nn=$(( $(cat \"$0.runs\" 2>/dev/null | wc -l) + 1 ))\necho run >> \"$0.runs\"\nlog=\nprev=\nfor a in \"$@\"; do [ \"$prev\" = /l*v ] && log=$(printf '%s' \"$a\" | sed 's/^Z://; s#\\\\#/#g'); prev=$a; done\ncase $n in\n")
	for i, code := range exits {
		n := i + 1
		b.WriteString("  " + itoa(n) + ") ")
		if writeLogOn[n] {
			b.WriteString("echo 'Action ended: INSTALL. Return value 3.' > \"$log\"; ")
		}
		b.WriteString("exit " + itoa(code) + ";;\n")
	}
	b.WriteString("esac\nexit 99\n")
	wine := filepath.Join(dir, "wine")
	if err := os.WriteFile(wine, []byte(b.String()), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wineserver"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return wine
}

func itoa(n int) string { return strconv.Itoa(n) }

func runs(t *testing.T, wine string) int {
	t.Helper()
	b, err := os.ReadFile(wine + ".runs")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

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
			wine := fakeWine(t, dir, tt.exits, tt.writeLogOn)
			p := Attach(wine, filepath.Join(dir, "prefix"))
			if err := os.MkdirAll(p.Dir, 0o755); err != nil {
				t.Fatal(err)
			}
			_, err := p.MsiExec(context.Background(), "/x", filepath.Join(dir, "p.msi"))
			if (err != nil) != tt.wantErr {
				t.Errorf("MsiExec: %v, want error %v", err, tt.wantErr)
			}
			if got := runs(t, wine); got != tt.wantRuns {
				t.Errorf("wine ran %d times, want %d", got, tt.wantRuns)
			}
		})
	}
}
