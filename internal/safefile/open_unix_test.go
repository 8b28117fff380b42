//go:build unix

package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// TestOpenRegular: a regular file (also through a symbolic link) opens
// with its size; a named pipe without a writer, a folder and a character
// device are refused at once with a NotRegularError naming what they
// are, matching fs.ErrInvalid; a missing file is fs.ErrNotExist.
func TestOpenRegular(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "a.msi")
	if err := os.WriteFile(reg, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.msi")
	if err := os.Symlink(reg, link); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{reg, link} {
		f, size, err := OpenRegular(name)
		if err != nil {
			t.Fatalf("OpenRegular(%s): %v", name, err)
		}
		buf := make([]byte, 4)
		if n, err := f.ReadAt(buf, 6); n != 4 || err != nil || string(buf) != "6789" || size != 10 {
			t.Errorf("OpenRegular(%s): size %d, ReadAt = %d, %v, %q", name, size, n, err, buf)
		}
		f.Close()
	}
	if _, _, err := OpenRegular(filepath.Join(dir, "missing.msi")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}

	fifo := filepath.Join(dir, "fifo.msi")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, what string }{
		{fifo, "named pipe"},
		{dir, "folder"},
	}
	if _, err := os.Stat("/dev/null"); err == nil {
		cases = append(cases, struct{ name, what string }{"/dev/null", "character device"})
	}
	for _, tc := range cases {
		err := openWithin(t, tc.what, fifo, func() (*os.File, error) {
			f, _, err := OpenRegular(tc.name)
			return f, err
		})
		var nr NotRegularError
		if !errors.As(err, &nr) || !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("OpenRegular(%s) = %v, want a NotRegularError matching fs.ErrInvalid", tc.what, err)
			continue
		}
		want := "not a regular file (a " + tc.what + "): it is read at offsets; copy it to a file first"
		if tc.what == "folder" {
			want = "not a regular file (a folder)"
		}
		if d := cmp.Diff("open "+tc.name+": "+want, err.Error()); d != "" {
			t.Errorf("OpenRegular(%s) error (-want +got):\n%s", tc.what, d)
		}
	}

	// A cabinet beside a package that is a named pipe: OpenBeside refuses
	// it the same way, also when found case-insensitively.
	cab := filepath.Join(dir, "DATA1.CAB")
	if err := syscall.Mkfifo(cab, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"DATA1.CAB", "data1.cab"} {
		err := openWithin(t, "OpenBeside "+name, cab, func() (*os.File, error) {
			f, _, err := OpenBeside(dir, name)
			return f, err
		})
		if !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("OpenBeside(%s) = %v, want a refusal matching fs.ErrInvalid", name, err)
		}
	}
}

// openWithin returns open's error, failing the test if open has not
// returned within 10 s (testenv.FinishOrReleasePipes).
func openWithin(t *testing.T, what, fifo string, open func() (*os.File, error)) error {
	t.Helper()
	var err error
	testenv.FinishOrReleasePipes(t, what, func() {
		var f *os.File
		if f, err = open(); err == nil {
			f.Close()
		}
	}, fifo)
	return err
}
