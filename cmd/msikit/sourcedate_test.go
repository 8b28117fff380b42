package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// TestTransformsHonourSourceDateEpoch checks that the transforms rewrite
// --as-transform and diff -o write carry $SOURCE_DATE_EPOCH as their
// creation time, so the same inputs give the same bytes on a build
// server, and that a bad value is a usage error.
func TestTransformsHonourSourceDateEpoch(t *testing.T) {
	dir := t.TempDir()
	rewritten := filepath.Join(dir, "rewritten.msi")
	if code, _, errOut := runCLI(t, "rewrite", "-q", samplePath(), "-o", rewritten); code != exitOK {
		t.Fatalf("rewrite: exit %d: %s", code, errOut)
	}
	want := time.Unix(1700000000, 0).UTC()
	for _, tc := range []struct {
		name string
		args func(out string) []string
	}{
		{"rewrite --as-transform", func(out string) []string {
			return []string{"rewrite", "-q", "--as-transform", samplePath(), "-o", out}
		}},
		{"diff -o", func(out string) []string { return []string{"diff", samplePath(), rewritten, "-o", out} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var outs [][]byte
			for i := range 2 {
				t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
				out := filepath.Join(dir, filepath.Base(tc.name)+string(rune('a'+i))+".mst")
				if code, _, errOut := runCLI(t, tc.args(out)...); code != exitOK {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				outs = append(outs, b)
				tr, err := mst.Open(out)
				if err != nil {
					t.Fatal(err)
				}
				ft, ok := tr.SummaryInfo().Filetime(msi.PIDCreated)
				tr.Close()
				if !ok {
					t.Fatal("the transform has no creation time")
				}
				if diff := cmp.Diff(want, ft.Time().UTC()); diff != "" {
					t.Errorf("creation time (-$SOURCE_DATE_EPOCH +written):\n%s", diff)
				}
				if i == 0 {
					// Let the clock move on, so that a transform stamped
					// with the current time would differ.
					time.Sleep(1100 * time.Millisecond)
				}
			}
			if !bytes.Equal(outs[0], outs[1]) {
				t.Error("two transforms of the same inputs with the same SOURCE_DATE_EPOCH differ")
			}
			for _, bad := range []string{"yesterday", "-1", "253402300800"} { // the last: 10000-01-01
				t.Setenv("SOURCE_DATE_EPOCH", bad)
				if code, _, errOut := runCLI(t, tc.args(filepath.Join(dir, "bad.mst"))...); code != exitUsage {
					t.Errorf("SOURCE_DATE_EPOCH=%s: exit %d, want %d (usage): %s", bad, code, exitUsage, errOut)
				}
			}
		})
	}
}
