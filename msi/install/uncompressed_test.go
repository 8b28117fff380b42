package install_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// adminImage lays the sample's files out as uncompressed copies at their
// source paths below a new folder, removes its cabinet, and returns the
// folder and each copy's path by File key.
func adminImage(t *testing.T, db *msi.Database) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	files, err := install.Files(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	copies := map[string]string{}
	for f := range files {
		if f.SourcePath == "" {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(f.SourcePath))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, f.Size), 0o644); err != nil {
			t.Fatal(err)
		}
		copies[f.Key] = p
	}
	media, err := db.Table("Media")
	if err != nil {
		t.Fatal(err)
	}
	for row := range media.Rows() {
		if c := row.Get("Cabinet").Str(); len(c) > 1 && c[0] == '#' {
			if err := db.DeleteStream(c[1:]); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir, copies
}

// TestExtractUncompressedShrinks extracts an uncompressed copy that
// shrinks once its size is checked: the reader passed to fn fails (it
// ended early without an error) and the file is reported as failed, not
// as extracted, even though fn returns nil (as msikit sbom's and msikit
// extract's do for a read that fails).
func TestExtractUncompressedShrinks(t *testing.T) {
	db := openSample(t)
	dir, copies := adminImage(t, db)
	const key = "app.exe"
	var readErr error
	var read int
	rep, err := install.Extract(db, &install.Options{SourceDir: dir}, func(f *install.File, r io.Reader) error {
		if f.Key != key {
			return nil
		}
		if err := os.Truncate(copies[key], 3); err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		read, readErr = len(b), err
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if read != 3 || !errors.Is(readErr, io.ErrUnexpectedEOF) {
		t.Errorf("fn read %d bytes, error %v; want 3 and io.ErrUnexpectedEOF", read, readErr)
	}
	var failed []string
	for _, fe := range rep.Failed {
		if !errors.Is(fe, io.ErrUnexpectedEOF) {
			t.Errorf("failure %v, want io.ErrUnexpectedEOF", fe)
		}
		failed = append(failed, fe.Key)
	}
	if diff := cmp.Diff([]string{key}, failed); diff != "" {
		t.Errorf("files failed (-want +got):\n%s", diff)
	}
	if want := len(copies) - 1; rep.Extracted != want {
		t.Errorf("%d files extracted, want %d", rep.Extracted, want)
	}
}
