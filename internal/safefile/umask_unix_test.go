//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package safefile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// withUmask sets the process's umask to u until the test ends. The umask
// is the process's: tests that call it must not run in parallel.
func withUmask(t *testing.T, u int) {
	t.Helper()
	old := syscall.Umask(u)
	t.Cleanup(func() { syscall.Umask(old) })
}

// modes lists the permission bits of every file and folder below root.
func modes(t *testing.T, root string) map[string]fs.FileMode {
	t.Helper()
	m := map[string]fs.FileMode{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = fi.Mode().Perm()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestModesFollowUmask: new files get 0666 and new folders 0777 less the
// umask, whether written by Write or through a Dir (into a new folder or
// merged into an existing one), as cp and tar make them; a file Write
// replaces keeps its mode exactly, and its new contents are never
// readable by more users than the old ones while they are written.
func TestModesFollowUmask(t *testing.T) {
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error {
			_, err := io.WriteString(w, s)
			return err
		}
	}
	for _, u := range []int{0o022, 0o077, 0o002} {
		t.Run(fmt.Sprintf("umask %03o", u), func(t *testing.T) {
			withUmask(t, u)
			file, folder := fs.FileMode(0o666&^u), fs.FileMode(0o777&^u)
			root := t.TempDir()

			if err := Write(filepath.Join(root, "new.msi"), write("x")); err != nil {
				t.Fatal(err)
			}
			old := filepath.Join(root, "old.msi")
			if err := os.WriteFile(old, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(old, 0o640); err != nil { // whatever the umask
				t.Fatal(err)
			}
			err := Write(old, func(w io.Writer) error {
				fi, err := w.(*os.File).Stat()
				if err != nil {
					return err
				}
				if m := fi.Mode().Perm(); m&^0o640 != 0 {
					t.Errorf("the temporary file replacing a 0640 file is %v while written", m)
				}
				return write("y")(w)
			})
			if err != nil {
				t.Fatal(err)
			}

			for _, dst := range []string{"fresh", "existing"} {
				if dst == "existing" {
					if err := os.Mkdir(filepath.Join(root, dst), 0o700); err != nil {
						t.Fatal(err)
					}
				}
				d, err := CreateDir(filepath.Join(root, dst))
				if err != nil {
					t.Fatal(err)
				}
				if err := d.WriteFile("a/b/file", write("z")); err != nil {
					t.Fatal(err)
				}
				if err := d.WriteData("data", []byte("z")); err != nil {
					t.Fatal(err)
				}
				if err := d.Commit(); err != nil {
					t.Fatal(err)
				}
			}

			want := map[string]fs.FileMode{
				"new.msi": file,
				"old.msi": 0o640,
				"fresh":   folder, "fresh/a": folder, "fresh/a/b": folder, "fresh/a/b/file": file, "fresh/data": file,
				"existing": 0o700, "existing/a": folder, "existing/a/b": folder, "existing/a/b/file": file, "existing/data": file,
			}
			if diff := cmp.Diff(want, modes(t, root)); diff != "" {
				t.Errorf("modes (-want +got):\n%s", diff)
			}
		})
	}
}
