package cab

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// knownDamaged lists corpus packages whose cabinets are damaged upstream,
// where decoding must fail with ErrFormat rather than succeed.
var knownDamaged = map[string]string{
	"lessmsi-VBRuntime.msi": "the package is cut off inside Disk2.CAB (2190055 bytes, not a whole number of sectors)",
}

// TestCorpusCabinets decodes every cabinet embedded in the corpus packages
// and checks the result against three independent oracles: gcab -x
// (SHA-256 of every file, where gcab can read the cabinet), the package's
// File table (FileSize) and its MsiFileHash table (MD5).
func TestCorpusCabinets(t *testing.T) {
	gcab := testenv.NeedTool(t, "gcab", "gcab")
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	var mu sync.Mutex
	var total, gcabCompared, sizeChecked, md5Checked int
	methods := map[string]int{}
	count := func(p *int, n int) { mu.Lock(); *p += n; mu.Unlock() }
	t.Cleanup(func() {
		t.Logf("%d files; methods %v; %d cabinets compared with gcab; %d FileSize and %d MsiFileHash checks", total, methods, gcabCompared, sizeChecked, md5Checked)
		if total > 0 && (gcabCompared == 0 || sizeChecked == 0 || md5Checked == 0) {
			t.Errorf("oracles did not engage: %d gcab comparisons, %d size checks, %d MD5 checks", gcabCompared, sizeChecked, md5Checked)
		}
	})
	for _, pkg := range corpusPackages(t) {
		cabs := packageCabs(t, pkg)
		if len(cabs) == 0 {
			continue
		}
		t.Run(filepath.Base(pkg), func(t *testing.T) {
			t.Parallel()
			sizes, hashes := msiFileFacts(t, msiinfo, pkg)
			opts := setOpener(cabs)
			for _, c := range cabs {
				r, err := NewReaderOptions(bytesReader(c.data), int64(len(c.data)), opts)
				if err != nil {
					t.Errorf("cabinet %s: %v", c.name, err)
					continue
				}
				got := map[string]string{}
				complete := !r.Truncated
				for _, f := range r.Files {
					count(&total, 1)
					if f.ContinuedFromPrev() {
						// Counted with the cabinet it starts in.
						continue
					}
					mu.Lock()
					methods[f.Folder().Method.String()]++
					mu.Unlock()
					x, err := readFile(f)
					var ue *UnsupportedError
					if errors.As(err, &ue) {
						t.Logf("cabinet %s: file %s: %v", c.name, f.Name, err)
						complete = false
						continue
					}
					if err != nil {
						if why, ok := knownDamaged[filepath.Base(pkg)]; ok && errors.Is(err, ErrFormat) {
							t.Logf("cabinet %s: file %s: %v (expected: %s)", c.name, f.Name, err, why)
							complete = false
							continue
						}
						if r.Truncated && errors.Is(err, ErrFormat) {
							t.Logf("truncated cabinet %s: file %s: %v", c.name, f.Name, err)
							continue
						}
						t.Errorf("cabinet %s: file %s: %v", c.name, f.Name, err)
						complete = false
						continue
					}
					if x.Size != f.Size {
						t.Errorf("cabinet %s: file %s: read %d bytes, header says %d", c.name, f.Name, x.Size, f.Size)
					}
					got[f.Name] = x.SHA256
					if want, ok := sizes[f.Name]; ok {
						count(&sizeChecked, 1)
						if want != x.Size {
							t.Errorf("cabinet %s: file %s: %d bytes, File table FileSize %d", c.name, f.Name, x.Size, want)
						}
					}
					if want, ok := hashes[f.Name]; ok && !(x.Size == 0 && want == [16]byte{}) {
						// (WiX writes an all-zero hash for empty files.)
						count(&md5Checked, 1)
						if want != x.MD5 {
							t.Errorf("cabinet %s: file %s: MD5 %x, MsiFileHash %x", c.name, f.Name, x.MD5, want)
						}
					}
				}
				if !complete || r.PrevCabinet != "" || r.NextCabinet != "" {
					continue // gcab reads neither sets nor Quantum
				}
				want, err := gcabSums(t, gcab, c.data)
				if err != nil {
					t.Logf("cabinet %s: gcab cannot read it: %v", c.name, err)
					continue
				}
				count(&gcabCompared, 1)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("cabinet %s: SHA-256 per file, gcab -x (-) vs ours (+):\n%s", c.name, diff)
				}
			}
		})
	}
}
