package cab

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// TestGcabMade reads cabinets written by gcab -c (stored) and gcab -c -z
// (MSZIP) from files of known content: empty, tiny, several blocks, and
// incompressible.
func TestGcabMade(t *testing.T) {
	gcab := testenv.NeedTool(t, "gcab", "gcab")
	dir := t.TempDir()
	random := make([]byte, 100000)
	for i := range random {
		random[i] = byte(i*7919 + i>>3*31)
	}
	files := map[string][]byte{
		"empty.txt": {},
		"one.txt":   []byte("1"),
		"text.txt":  sample(300000, 41),
		"bin.dat":   random,
		"café.txt":  []byte("utf-8 name"),
	}
	var names []string
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	for _, tt := range []struct {
		name string
		flag []string
		want Method
	}{{"stored", nil, None}, {"mszip", []string{"-z"}, MSZIP}} {
		t.Run(tt.name, func(t *testing.T) {
			cabPath := filepath.Join(t.TempDir(), "out.cab")
			args := append(append([]string{"-c"}, tt.flag...), append([]string{cabPath}, names...)...)
			cmd := exec.Command(gcab, args...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("gcab: %v: %s", err, out)
			}
			rc, err := OpenReader(cabPath)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if len(rc.Folders) == 0 || rc.Folders[0].Method != tt.want {
				t.Fatalf("folders %v, want method %v", rc.Folders, tt.want)
			}
			got := map[string][]byte{}
			for name, s := range readAllFiles(t, rc.Reader) {
				got[name] = []byte(s)
			}
			if diff := cmp.Diff(files, got, cmp.Comparer(bytes.Equal)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
