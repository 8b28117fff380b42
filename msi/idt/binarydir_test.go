package idt

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExportBinaryDirNoLinks: ExportOptions.BinaryDir never writes
// through a symbolic link below BinaryDir, as export -d does not: a link
// at BinaryDir/<Table> (which led the cell's file into the folder it
// points to) and a link at a cell's file (which was replaced by the file)
// are refused, err != nil, and nothing is written
// through them. BinaryDir itself may be a link to a folder.
func TestExportBinaryDirNoLinks(t *testing.T) {
	db := openSample(t)
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, dir, elsewhere string)
	}{
		{"table folder", func(t *testing.T, dir, elsewhere string) {
			if err := os.Symlink(elsewhere, filepath.Join(dir, "Icon")); err != nil {
				t.Fatal(err)
			}
		}},
		{"cell file", func(t *testing.T, dir, elsewhere string) {
			if err := os.Mkdir(filepath.Join(dir, "Icon"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(elsewhere, "target"), filepath.Join(dir, "Icon", "Icon.app.ico")); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, elsewhere := t.TempDir(), t.TempDir()
			tt.setup(t, dir, elsewhere)
			err := Export(io.Discard, db, "Icon", &ExportOptions{BinaryDir: dir})
			if !errors.Is(err, errLinkInWay) {
				t.Errorf("got %v, want the link refused", err)
			}
			ents, err := os.ReadDir(elsewhere)
			if err != nil {
				t.Fatal(err)
			}
			if len(ents) != 0 {
				t.Errorf("%d files written through the link", len(ents))
			}
			if fi, err := os.Lstat(filepath.Join(dir, "Icon", "Icon.app.ico")); tt.name == "cell file" && (err != nil || fi.Mode()&os.ModeSymlink == 0) {
				t.Errorf("the link at the cell's file was replaced (%v)", err)
			}
		})
	}
	// A BinaryDir that is itself a link to a folder is written into.
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := Export(io.Discard, db, "Icon", &ExportOptions{BinaryDir: link}); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(filepath.Join(real, "Icon"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"Icon.app.ico"}, names); diff != "" {
		t.Errorf("BinaryDir through a link (-want +got):\n%s", diff)
	}
}
