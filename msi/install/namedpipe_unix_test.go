//go:build unix

package install_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// extractWithin runs Extract with opts and fails t if it has not returned
// within 10 s (testenv.FinishOrReleasePipes).
func extractWithin(t *testing.T, db *msi.Database, opts *install.Options, pipes ...string) (rep *install.Report, err error) {
	t.Helper()
	testenv.FinishOrReleasePipes(t, "Extract", func() {
		rep, err = install.Extract(db, opts, func(_ *install.File, r io.Reader) error {
			_, err := io.Copy(io.Discard, r)
			return err
		})
	}, pipes...)
	return rep, err
}

// TestExtractSourceNamedPipe: an uncompressed copy that is a named pipe
// fails that file, saying so, and the others are extracted; opening it
// does not wait for a writer.
func TestExtractSourceNamedPipe(t *testing.T) {
	db := openSample(t)
	dir, copies := adminImage(t, db)
	const key = "app.exe"
	if err := os.Remove(copies[key]); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(copies[key], 0o644); err != nil {
		t.Skip(err)
	}
	rep, err := extractWithin(t, db, &install.Options{SourceDir: dir}, copies[key])
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, fe := range rep.Failed {
		if !strings.Contains(fe.Error(), "is not a regular file (a named pipe)") {
			t.Errorf("failure %v, want one naming the named pipe", fe)
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

// TestExtractCabinetNamedPipe: an external cabinet that is a named pipe
// fails its files with an error naming the pipe (not as missing: it is
// there), without waiting for a writer.
func TestExtractCabinetNamedPipe(t *testing.T) {
	db := openSample(t)
	media, err := db.Table("Media")
	if err != nil {
		t.Fatal(err)
	}
	row := media.Row(0)
	stream := strings.TrimPrefix(row.Get("Cabinet").Str(), "#")
	if err := media.Update(row.Key(), func(vals []msi.Value) error {
		vals[3] = msi.StrValue("ext.cab")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteStream(stream); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cab := filepath.Join(dir, "ext.cab")
	if err := syscall.Mkfifo(cab, 0o644); err != nil {
		t.Skip(err)
	}
	rep, err := extractWithin(t, db, &install.Options{SourceDir: dir}, cab)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Extracted != 0 || len(rep.Failed) == 0 {
		t.Fatalf("extracted %d, failed %d; want every file of ext.cab failed", rep.Extracted, len(rep.Failed))
	}
	for _, fe := range rep.Failed {
		if !strings.Contains(fe.Error(), `cabinet "ext.cab": open `+cab+": not a regular file (a named pipe)") || errors.Is(fe, install.ErrCabinetMissing) {
			t.Errorf("failure %v, want one naming the named pipe, not matching ErrCabinetMissing", fe)
		}
	}
}
