package fuzz

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/internal/safename"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// extractSeedMax is the largest file used as a FuzzExtract seed.
const extractSeedMax = 256 << 10

// FuzzExtract opens arbitrary bytes as a package and extracts every file,
// the way a scanner does (and lists the paths of the 32-bit layout): the layout (Directory chains,
// standard folders, names), the Media and cabinet lookups, the cabinet
// decoders and the placement of every file. Each delivered path must be
// relative, made of names internal/safename accepts and unique
// case-insensitively; it must equal InstallFiles' path; every failure
// must be typed and print as one line; and each input must finish within
// 2 s and a bounded allocation.
func FuzzExtract(f *testing.F) {
	addPackageSeeds(f, "*.ms?", extractSeedMax)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 8<<20 {
			return
		}
		testenv.CheckFuzzBudget(t, len(data), func() {

			db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				return
			}
			checkExtract(t, db, install.LayoutX64)
			// The other layout differs only in paths: list them.
			if files, err := install.Files(db, &install.Options{Layout: install.LayoutX86}); err == nil {
				seen := map[string]bool{}
				for f := range files {
					if f.Err != nil {
						continue
					}
					for _, e := range strings.Split(f.Path, "/") {
						if err := safename.Check(e); err != nil {
							t.Fatalf("x86 layout: %q: path %q: %v", f.Key, f.Path, err)
						}
					}
					if low := strings.ToLower(f.Path); seen[low] {
						t.Fatalf("x86 layout: path %q twice", f.Path)
					} else {
						seen[low] = true
					}
				}
			}

		})
	})
}

// checkExtract extracts db's files in layout l and checks the paths, the
// report and the errors.
func checkExtract(t *testing.T, db *msi.Database, l install.Layout) {
	t.Helper()
	listed := map[string]install.File{}
	files, err := install.Files(db, &install.Options{Layout: l})
	if err != nil {
		checkExtractError(t, err)
		return
	}
	for f := range files {
		if _, dup := listed[f.Key]; !dup {
			listed[f.Key] = *f
		}
		if (f.Err == nil) == (f.Path == "") {
			t.Fatalf("%q: path %q with error %v", f.Key, f.Path, f.Err)
		}
	}
	seen := map[string]string{}
	delivered := 0
	rep, err := install.Extract(db, &install.Options{Layout: l, MaxBytes: 64 << 20}, func(f *install.File, r io.Reader) error {
		if f.Path == "" {
			t.Fatalf("%q delivered without a path", f.Key)
		}
		for _, e := range strings.Split(f.Path, "/") {
			if err := safename.Check(e); err != nil {
				t.Fatalf("%q: path %q: %v", f.Key, f.Path, err)
			}
		}
		low := strings.ToLower(f.Path)
		if prev, dup := seen[low]; dup {
			t.Fatalf("%q and %q both delivered at %q", prev, f.Key, f.Path)
		}
		seen[low] = f.Key
		if want, ok := listed[f.Key]; ok && f.Cabinet == want.Cabinet && want.Path != f.Path {
			t.Fatalf("%q delivered at %q, InstallFiles says %q", f.Key, f.Path, want.Path)
		}
		n, err := io.Copy(io.Discard, r)
		if err == nil {
			if n != f.Size {
				t.Fatalf("%q: %d bytes read without an error, Size is %d", f.Key, n, f.Size)
			}
			delivered++ // a read that fails makes the file a failure
		}
		return nil
	})
	if err != nil {
		if !errors.Is(err, install.ErrTooLarge) {
			checkExtractError(t, err)
		}
		return
	}
	if rep.Extracted != delivered {
		t.Fatalf("report says %d extracted, %d read in full", rep.Extracted, delivered)
	}
	for _, fe := range rep.Failed {
		if fe.Key == "" && !errors.Is(fe, install.ErrUnsafePath) {
			// A cabinet member may have an empty name; a File row may
			// have an empty key only if the table holds one.
			if _, ok := listed[""]; !ok {
				t.Fatalf("failure without a key: %v", fe)
			}
		}
		msg := fe.Error()
		if !strings.HasPrefix(msg, "install: ") || strings.ContainsAny(msg, "\n\r") {
			t.Fatalf("failure %q: want one line starting install:", msg)
		}
	}
	for _, w := range rep.Warnings {
		if strings.ContainsAny(w, "\n\r\x1b") {
			t.Fatalf("warning %q holds a raw control character", w)
		}
	}
}

// checkExtractError wants an error Extract or InstallFiles may return: a
// database that cannot be read, as a typed msi or cab error.
func checkExtractError(t *testing.T, err error) {
	t.Helper()
	var ue *msi.UnsupportedError
	if !errors.Is(err, msi.ErrFormat) && !errors.Is(err, cab.ErrFormat) && !errors.As(err, &ue) {
		t.Fatalf("untyped error %T: %v", err, err)
	}
	if !strings.HasPrefix(err.Error(), "msi: ") && !strings.HasPrefix(err.Error(), "install: ") && !strings.HasPrefix(err.Error(), "cab: ") && !strings.HasPrefix(err.Error(), "cfb: ") {
		t.Fatalf("error without a package prefix: %v", err)
	}
}
