package cfb

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRepackFileToFile repacks between real files, where big streams are
// copied inside the kernel on Linux, including from a truncated source
// whose missing tail reads as zeros.
func TestRepackFileToFile(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	w := NewWriter(&buf, nil)
	for i, size := range []int64{3 << 20, 1<<20 + 5, 100, 5000} {
		name := string(rune('a' + i))
		if err := w.CreateFrom(name, pattern{size: size, seed: byte(i), fill: true}, size); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	for _, tc := range []struct {
		name        string
		data        []byte
		noCopyRange bool
	}{
		{"whole", full, false},
		{"truncated", full[:len(full)-300<<10], false},
		{"whole-sendfile", full, true},
		{"truncated-sendfile", full[:len(full)-300<<10], true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := filepath.Join(dir, tc.name+".in")
			if err := os.WriteFile(in, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			rc, err := OpenReader(in)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if len(tc.data) < len(full) && len(rc.Warnings) == 0 {
				t.Error("no warning for a truncated file")
			}
			want := snapshot(t, rc.Reader)
			outPath := filepath.Join(dir, tc.name+".out")
			out, err := os.Create(outPath)
			if err != nil {
				t.Fatal(err)
			}
			ww := NewWriter(out, nil)
			ww.noCopyRange = tc.noCopyRange
			if err := ww.Copy(rc.Root); err != nil {
				t.Fatal(err)
			}
			if err := ww.Close(); err != nil {
				t.Fatal(err)
			}
			if err := out.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(outPath)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.data) == len(full) && !bytes.Equal(got, full) {
				t.Error("repacking our own output changed its bytes")
			}
			r2 := mustRead(t, got)
			if diff := cmp.Diff(want, snapshot(t, r2)); diff != "" {
				t.Errorf("file-to-file repack changed the content (-in +out):\n%s", diff)
			}
		})
	}
}
