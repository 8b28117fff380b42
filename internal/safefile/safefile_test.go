package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func readDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// perm is the permission bits of path.
func perm(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestWriteNew(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.msi")
	if err := Write(dst, func(w io.Writer) error {
		_, err := io.WriteString(w, "hello")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dst)
	if err != nil || string(b) != "hello" {
		t.Fatalf("content %q, %v", b, err)
	}
	if names := readDir(t, dir); len(names) != 1 {
		t.Errorf("folder holds %v, want only out.msi", names)
	}
	ref := filepath.Join(dir, "ref")
	if err := os.WriteFile(ref, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if got, want := perm(t, dst), perm(t, ref); got != want {
		t.Errorf("mode %v, want %v (as a new file made with 0666)", got, want)
	}
}

// A failure at any point leaves the old destination and no temporary file.
func TestWriteFailureKeepsOld(t *testing.T) {
	enospc := &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}
	for _, tt := range []struct {
		name string
		fill func(w io.Writer) error
	}{
		{"error before writing", func(io.Writer) error { return errors.New("boom") }},
		{"error after writing", func(w io.Writer) error {
			io.WriteString(w, strings.Repeat("x", 1<<20))
			return enospc
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			dst := filepath.Join(dir, "out.msi")
			if err := os.WriteFile(dst, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			err := Write(dst, tt.fill)
			if err == nil {
				t.Fatal("no error")
			}
			if b, _ := os.ReadFile(dst); string(b) != "old" {
				t.Errorf("destination now %q, want the old content", b)
			}
			if names := readDir(t, dir); len(names) != 1 {
				t.Errorf("folder holds %v, want only out.msi", names)
			}
		})
	}
	t.Run("ENOSPC is kept in the chain", func(t *testing.T) {
		err := Write(filepath.Join(t.TempDir(), "o"), func(io.Writer) error { return enospc })
		if !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("err = %v, want ENOSPC in the chain", err)
		}
	})
}

func TestWriteKeepsMode(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "out.msi")
	if err := os.WriteFile(dst, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(dst, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dst); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the old 0600", fi.Mode().Perm())
	}
}

func TestCheckDistinct(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "a.msi")
	if err := os.WriteFile(in, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.msi")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		out     string
		inPlace bool
		same    bool
	}{
		{in, false, true},
		{filepath.Join(dir, ".", "a.msi"), false, true},
		{link, false, true},
		{in, true, false},
		{filepath.Join(dir, "b.msi"), false, false},
	} {
		err := CheckDistinct(in, tt.out, tt.inPlace)
		if got := errors.Is(err, ErrSameFile); got != tt.same {
			t.Errorf("CheckDistinct(%q, %q, %v) = %v, want same=%v", in, tt.out, tt.inPlace, err, tt.same)
		}
	}
}

// Write leaves flushing to the kernel; WriteSync flushes the temporary file
// before the rename and the folder after it.
func TestWriteSyncFlushes(t *testing.T) {
	var synced []string
	old := syncFile
	syncFile = func(f *os.File) error {
		synced = append(synced, filepath.Base(f.Name()))
		return old(f)
	}
	defer func() { syncFile = old }()
	dir := t.TempDir()
	fill := func(w io.Writer) error {
		_, err := io.WriteString(w, "data")
		return err
	}
	if err := Write(filepath.Join(dir, "plain.msi"), fill); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 0 {
		t.Errorf("Write flushed %q, want nothing", synced)
	}
	if err := WriteSync(filepath.Join(dir, "durable.msi"), fill); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 2 || !strings.HasPrefix(synced[0], ".durable.msi.tmp-") || synced[1] != filepath.Base(dir) {
		t.Errorf("WriteSync flushed %q, want the temporary file, then the folder", synced)
	}
}

func TestSame(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	if err := os.WriteFile(a, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(a, link); err != nil {
		t.Skip(err)
	}
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{a, a, true},
		{a, link, true},
		{a, filepath.Join(dir, ".", "a"), true},
		{a, filepath.Join(dir, "missing"), false},
		{filepath.Join(dir, "missing"), filepath.Join(dir, "missing"), false},
	} {
		if got := Same(tt.a, tt.b); got != tt.want {
			t.Errorf("Same(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// Errors name the destination the caller gave, never the temporary file,
// whichever step fails: creating the temporary file, writing it (inside
// fill, wrapped by the caller), or renaming it.
func TestErrorsNameDestination(t *testing.T) {
	for _, tt := range []struct {
		name    string
		dst     func(dir string) string
		fill    func(w io.Writer) error
		wantErr error
	}{
		{"folder missing", func(dir string) string { return filepath.Join(dir, "nodir", "out.msi") },
			func(io.Writer) error { return nil }, fs.ErrNotExist},
		{"write fails inside fill", func(dir string) string { return filepath.Join(dir, "out.msi") },
			func(w io.Writer) error {
				w.(*os.File).Close()
				_, err := w.Write([]byte("x"))
				return fmt.Errorf("lib: writing: %w", err)
			}, os.ErrClosed},
		{"destination is a folder", func(dir string) string {
			d := filepath.Join(dir, "out.msi")
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(d, "keep"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return d
		}, func(io.Writer) error { return nil }, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			dst := tt.dst(dir)
			err := Write(dst, tt.fill)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if strings.Contains(msg, ".tmp-") || !strings.Contains(msg, dst) {
				t.Errorf("error %q: want it to name %s and no temporary file", msg, dst)
			}
			var pe *fs.PathError
			if !errors.As(err, &pe) {
				t.Fatalf("error %q: no *fs.PathError in the chain", msg)
			}
			if pe.Path != dst {
				t.Errorf("errors.As gives Path %q, want %q", pe.Path, dst)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %q does not match %v", msg, tt.wantErr)
			}
			for _, n := range readDir(t, dir) {
				if strings.Contains(n, ".tmp-") {
					t.Errorf("temporary file %s left behind", n)
				}
			}
		})
	}
}

// A Check that refuses the new file (garbage) leaves the destination as it
// was and no temporary file, and the error says the check failed.
func TestWriteFileCheck(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.msi")
	if err := os.WriteFile(dst, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	var seen []byte
	check := func(r io.ReaderAt, size int64) error {
		seen = make([]byte, size)
		if _, err := r.ReadAt(seen, 0); err != nil && err != io.EOF {
			return err
		}
		if !strings.HasPrefix(string(seen), "MAGIC") {
			return errors.New("no magic")
		}
		return nil
	}
	err := WriteFile(dst, &Options{Check: check}, func(w io.Writer) error {
		_, err := io.WriteString(w, "garbage")
		return err
	})
	if !errors.Is(err, ErrCheck) || !strings.Contains(err.Error(), "no magic") {
		t.Fatalf("err = %v, want ErrCheck with the reason", err)
	}
	if string(seen) != "garbage" {
		t.Errorf("check saw %q, want the whole new file", seen)
	}
	if b, _ := os.ReadFile(dst); string(b) != "old" {
		t.Errorf("destination now %q", b)
	}
	if names := readDir(t, dir); len(names) != 1 {
		t.Errorf("folder holds %v", names)
	}
	if err := WriteFile(dst, &Options{Check: check}, func(w io.Writer) error {
		_, err := io.WriteString(w, "MAGIC new")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "MAGIC new" {
		t.Errorf("destination now %q", b)
	}
}

// With FollowSymlink a link at the destination is kept and the file it
// points to (through a chain) is replaced; without it the link itself is
// replaced; a link to nothing is refused.
func TestWriteFileSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "sub", "real.msi")
	os.Mkdir(filepath.Dir(real), 0o755)
	if err := os.WriteFile(real, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	mid := filepath.Join(dir, "mid.msi")
	link := filepath.Join(dir, "link.msi")
	if err := os.Symlink("sub/real.msi", mid); err != nil {
		t.Skip(err)
	}
	os.Symlink("mid.msi", link)
	fill := func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }
	if err := WriteFile(link, &Options{FollowSymlink: true}, fill); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Errorf("target now %q, want new", b)
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o600 {
		t.Errorf("target mode %v, want its old 0600", fi.Mode().Perm())
	}
	for _, l := range []string{link, mid} {
		if fi, err := os.Lstat(l); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symbolic link", l)
		}
	}
	if names := readDir(t, filepath.Dir(real)); len(names) != 1 {
		t.Errorf("beside the target: %v", names)
	}

	dangling := filepath.Join(dir, "dangling.msi")
	os.Symlink("missing.msi", dangling)
	if err := WriteFile(dangling, &Options{FollowSymlink: true}, fill); err == nil {
		t.Error("wrote through a link to nothing")
	}
	if _, err := os.Lstat(filepath.Join(dir, "missing.msi")); err == nil {
		t.Error("created the missing target")
	}

	if err := Write(link, fill); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink != 0 {
		t.Error("Write kept the link; it replaces it")
	}
}
