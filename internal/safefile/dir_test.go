package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tree lists every path below dir with its contents ("" for folders and
// "-> target" for symbolic links).
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case rel == ".":
		case d.Type()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			out[rel] = "-> " + l
		case d.IsDir():
			out[rel] = ""
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

func mustWrite(t *testing.T, d *Dir, rel, s string) {
	t.Helper()
	if err := d.WriteFile(rel, writeString(s)); err != nil {
		t.Fatal(err)
	}
}

// A new folder appears complete at Commit, and not before; its mode is
// the usual one for a new folder, not the temporary folder's 0700.
func TestDirNew(t *testing.T) {
	root := t.TempDir()
	dst := filepath.Join(root, "a", "out")
	d, err := CreateDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, d, "T.idt", "t")
	mustWrite(t, d, "T/cell", "c")
	if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("destination visible before Commit: %v", err)
	}
	if err := d.WriteFile("T.idt", writeString("again")); err == nil {
		t.Error("a file was written twice")
	}
	if err := d.WriteFile("../x", writeString("x")); err == nil {
		t.Error("WriteFile accepted ../x")
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "", "a/out": "", "a/out/T.idt": "t", "a/out/T": "", "a/out/T/cell": "c"}
	if diff := cmp.Diff(want, tree(t, root)); diff != "" {
		t.Errorf("tree after Commit (-want +got):\n%s", diff)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(root, "ref")
	os.Mkdir(ref, 0o777)
	if ri, _ := os.Stat(ref); fi.Mode().Perm() != ri.Mode().Perm() {
		t.Errorf("folder mode %v, want %v (as os.Mkdir 0777 gives)", fi.Mode().Perm(), ri.Mode().Perm())
	}
	if err := d.Commit(); err == nil {
		t.Error("a second Commit succeeded")
	}
}

func TestDirAbort(t *testing.T) {
	for _, existing := range []bool{false, true} {
		root := t.TempDir()
		dst := filepath.Join(root, "out")
		if existing {
			os.Mkdir(dst, 0o777)
			os.WriteFile(filepath.Join(dst, "keep"), []byte("k"), 0o644)
		}
		before := tree(t, root)
		d, err := CreateDir(dst)
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, d, "T/cell", "c")
		if err := d.Abort(); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, tree(t, root)); diff != "" {
			t.Errorf("existing=%v: Abort changed the tree (-before +after):\n%s", existing, diff)
		}
	}
}

// Into an existing folder the new files are merged: other files stay,
// files of the same name are replaced, shared subfolders are merged.
func TestDirMerge(t *testing.T) {
	root := t.TempDir()
	dst := filepath.Join(root, "out")
	for p, s := range map[string]string{"keep.txt": "k", "T.idt": "old", "T/old": "o", "T/cell": "old cell"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dst, p)), 0o777)
		os.WriteFile(filepath.Join(dst, p), []byte(s), 0o644)
	}
	d, err := CreateDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, d, "T.idt", "new")
	mustWrite(t, d, "T/cell", "new cell")
	mustWrite(t, d, "U/cell", "u")
	if got := tree(t, dst)["T.idt"]; got != "old" {
		t.Errorf("T.idt = %q before Commit, want the old content", got)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"keep.txt": "k", "T.idt": "new", "T": "", "T/old": "o", "T/cell": "new cell", "U": "", "U/cell": "u"}
	if diff := cmp.Diff(want, tree(t, dst)); diff != "" {
		t.Errorf("merged tree (-want +got):\n%s", diff)
	}
}

// TestDirMergeFailsPartWay: a move that fails part way through a merge
// (a file system error after the checks) is reported as a *MergeError
// that lists what was moved in, names the destination and not the
// temporary folder, and wraps the cause; what was not moved is removed
// with the temporary folder. A failure on the first move is a plain
// error: nothing was written.
func TestDirMergeFailsPartWay(t *testing.T) {
	defer func() { rename = os.Rename }()
	injected := errors.New("injected failure")
	for _, tt := range []struct {
		failOn string   // the destination path whose move fails
		moved  []string // MergeError.Moved; nil: not a MergeError
		want   map[string]string
	}{
		{"c", []string{"T/x", "T/y", "a", "b"}, map[string]string{"keep.txt": "k", "T": "", "T/old": "o", "T/x": "Tx", "T/y": "Ty", "a": "a", "b": "b"}},
		{"T/y", []string{"T/x"}, map[string]string{"keep.txt": "k", "T": "", "T/old": "o", "T/x": "Tx"}},
		{"zz", []string{"T/x", "T/y", "a", "b", "c"}, map[string]string{"keep.txt": "k", "T": "", "T/old": "o", "T/x": "Tx", "T/y": "Ty", "a": "a", "b": "b", "c": "", "c/x": "cx"}},
		{"T/x", nil, map[string]string{"keep.txt": "k", "T": "", "T/old": "o"}},
	} {
		t.Run(tt.failOn, func(t *testing.T) {
			root := t.TempDir()
			dst := filepath.Join(root, "out")
			for p, s := range map[string]string{"keep.txt": "k", "T/old": "o"} {
				os.MkdirAll(filepath.Dir(filepath.Join(dst, p)), 0o777)
				os.WriteFile(filepath.Join(dst, p), []byte(s), 0o644)
			}
			d, err := CreateDir(dst)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"T/x", "T/y", "a", "b", "c/x", "zz"} {
				mustWrite(t, d, f, strings.ReplaceAll(f, "/", ""))
			}
			failing := filepath.Join(dst, filepath.FromSlash(tt.failOn))
			rename = func(old, new string) error {
				if new == failing {
					return &os.LinkError{Op: "rename", Old: old, New: new, Err: injected}
				}
				return os.Rename(old, new)
			}
			defer func() { rename = os.Rename }()
			err = d.Commit()
			if !errors.Is(err, injected) || strings.Contains(err.Error(), "tmp-") || !strings.Contains(err.Error(), failing) {
				t.Fatalf("Commit: %v; want the injected failure, about %s and not the temporary folder", err, failing)
			}
			var me *MergeError
			if got := errors.As(err, &me); got != (tt.moved != nil) {
				t.Fatalf("Commit: %v: a *MergeError: %v, want %v", err, got, tt.moved != nil)
			}
			if me != nil {
				if me.Dst != dst || !strings.HasPrefix(err.Error(), dst+": ") {
					t.Errorf("MergeError %q: Dst %q, want %q", err, me.Dst, dst)
				}
				if diff := cmp.Diff(tt.moved, me.Moved); diff != "" {
					t.Errorf("Moved (-want +got):\n%s", diff)
				}
				if n := fmt.Sprintf(" %d new ", len(tt.moved)); !strings.Contains(err.Error(), n) {
					t.Errorf("MergeError %q does not give the number moved", err)
				}
			}
			if diff := cmp.Diff(tt.want, tree(t, dst)); diff != "" {
				t.Errorf("the destination after the failed Commit (-want +got):\n%s", diff)
			}
		})
	}
}

// A merge that would replace a symbolic link, a folder with a file or a
// file with a folder moves nothing; the destination stays as it was.
func TestDirMergeConflicts(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(dst, outside string)
		write string
	}{
		{"symlink to a folder outside", func(dst, outside string) { os.Symlink(outside, filepath.Join(dst, "T")) }, "T/cell"},
		{"symlink to a file outside", func(dst, outside string) { os.Symlink(filepath.Join(outside, "f"), filepath.Join(dst, "T.idt")) }, "T.idt"},
		{"folder where a file goes", func(dst, outside string) { os.Mkdir(filepath.Join(dst, "T.idt"), 0o777) }, "T.idt"},
		{"file where a folder goes", func(dst, outside string) { os.WriteFile(filepath.Join(dst, "T"), nil, 0o644) }, "T/cell"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dst, outside := filepath.Join(root, "out"), filepath.Join(root, "outside")
			os.Mkdir(dst, 0o777)
			os.Mkdir(outside, 0o777)
			os.WriteFile(filepath.Join(outside, "f"), []byte("secret"), 0o644)
			os.WriteFile(filepath.Join(dst, "A.idt"), []byte("old"), 0o644)
			tt.setup(dst, outside)
			before := tree(t, root)
			d, err := CreateDir(dst)
			if err != nil {
				t.Fatal(err)
			}
			mustWrite(t, d, "A.idt", "new")
			mustWrite(t, d, tt.write, "payload")
			if err := d.Commit(); err == nil {
				t.Fatal("Commit succeeded")
			}
			if diff := cmp.Diff(before, tree(t, root)); diff != "" {
				t.Errorf("a refused merge changed the tree (-before +after):\n%s", diff)
			}
		})
	}
}

func TestCreateDirRefuses(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "file")
	os.WriteFile(file, nil, 0o644)
	dangling := filepath.Join(root, "dangling")
	os.Symlink(filepath.Join(root, "nowhere"), dangling)
	for _, dst := range []string{file, dangling} {
		if d, err := CreateDir(dst); err == nil {
			d.Abort()
			t.Errorf("CreateDir(%s) succeeded", dst)
		}
	}
	var names []string
	for n := range tree(t, root) {
		names = append(names, n)
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "dangling file" {
		t.Errorf("folder holds %v", names)
	}
}

// TestCreateDirErrorNamesDestination: when the temporary folder cannot be
// made, the error names the destination, not the temporary folder.
func TestCreateDirErrorNamesDestination(t *testing.T) {
	mkdir = func(name string, perm os.FileMode) error {
		return &fs.PathError{Op: "mkdir", Path: name, Err: fs.ErrPermission}
	}
	defer func() { mkdir = os.Mkdir }()
	root := t.TempDir()
	empty := filepath.Join(root, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, dst := range []string{filepath.Join(root, "new"), empty} {
		d, err := CreateDir(dst)
		if err == nil {
			d.Abort()
			t.Fatalf("CreateDir(%s) succeeded with a failing mkdir", dst)
		}
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Path != dst || !errors.Is(err, fs.ErrPermission) || strings.Contains(err.Error(), "tmp-") {
			t.Errorf("CreateDir(%s): %v; want a permission error about it, not its temporary folder", dst, err)
		}
	}
}

// TestLongNames: a destination whose name is as long as a name may be
// (255 bytes), too long to be part of the usual temporary name, is still
// written, by WriteFile and by a Dir.
func TestLongNames(t *testing.T) {
	root := t.TempDir()
	long := strings.Repeat("n", 255)
	if err := os.WriteFile(filepath.Join(root, long), nil, 0o644); err != nil {
		t.Skipf("this file system takes no 255-byte names: %v", err)
	}
	file := filepath.Join(root, "f", long)
	os.Mkdir(filepath.Dir(file), 0o755)
	if err := WriteFile(file, nil, func(w io.Writer) error { _, err := io.WriteString(w, "data"); return err }); err != nil {
		t.Errorf("WriteFile(255-byte name): %v", err)
	}
	dst := filepath.Join(root, "d", long)
	d, err := CreateDir(dst)
	if err != nil {
		t.Fatalf("CreateDir(255-byte name): %v", err)
	}
	if err := d.WriteFile("x", func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	want := map[string]string{"x": "x"}
	if diff := cmp.Diff(want, tree(t, dst)); diff != "" {
		t.Errorf("folder with a 255-byte name (-want +got):\n%s", diff)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "data" {
		t.Errorf("file with a 255-byte name: %q, %v", b, err)
	}
	f, err := CreateTemp(file, "unsigned-")
	if err != nil {
		t.Fatalf("CreateTemp(255-byte name): %v", err)
	}
	f.Close()
	os.Remove(f.Name())
	if !strings.HasPrefix(filepath.Base(f.Name()), ".msikit-tmp-unsigned-") {
		t.Errorf("CreateTemp(255-byte name) made %s", filepath.Base(f.Name()))
	}
}

// WriteData may write in the background; a failure of such a write (here
// a file written twice) is reported at the latest by Commit, which then
// leaves the destination as it was.
func TestDirWriteDataFailureAtCommit(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "out")
	d, err := CreateDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	for i := range 200 {
		errs = append(errs, d.WriteData("T/"+strings.Repeat("x", i%100+1), []byte("data")))
	}
	errs = append(errs, d.Commit())
	if errors.Join(errs...) == nil {
		t.Fatal("writing 100 files twice each reported no error")
	}
	if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("destination exists after a failed write: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(dst)); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}

// Many small files over more subfolders than a Dir keeps open all arrive,
// with their contents.
func TestDirWriteDataMany(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "out")
	d, err := CreateDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	buf := make([]byte, 0, 100)
	for i := range 3000 {
		dir := fmt.Sprintf("d%03d", i%600) // Linux keeps 512 open (maxDirFDs)
		want[dir] = ""
		rel := fmt.Sprintf("%s/f%d", dir, i)
		buf = fmt.Appendf(buf[:0], "file %d", i)
		want[filepath.FromSlash(rel)] = string(buf)
		if err := d.WriteData(rel, buf); err != nil { // buf is reused at once
			t.Fatal(err)
		}
	}
	big := strings.Repeat("b", 100<<10)
	want["big"] = big
	if err := d.WriteData("big", []byte(big)); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, tree(t, dst)); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
}

// WriteFile from several goroutines at once, over more subfolders than a
// Dir keeps open; a file whose fill fails is removed, so Commit moves only
// whole files.
func TestDirWriteFileConcurrent(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "out")
	d, err := CreateDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 4, 500
	fillErr := errors.New("decoding failed half-way")
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				n := w*perWorker + i
				rel := fmt.Sprintf("d%03d/f%d", n%150, n)
				err := d.WriteFile(rel, func(out io.Writer) error {
					if _, err := fmt.Fprintf(out, "file %d", n); err != nil {
						return err
					}
					if n%7 == 0 {
						return fillErr
					}
					return nil
				})
				if n%7 == 0 {
					if !errors.Is(err, fillErr) {
						errs[w] = fmt.Errorf("%s: error %v, want the fill's", rel, err)
						return
					}
				} else if err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for n := range workers * perWorker {
		dir := fmt.Sprintf("d%03d", n%150)
		want[dir] = ""
		if n%7 != 0 {
			want[filepath.Join(dir, fmt.Sprintf("f%d", n))] = fmt.Sprintf("file %d", n)
		}
	}
	if diff := cmp.Diff(want, tree(t, dst)); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
}

// TestDirErrorsNameDestination: an error about a file in the temporary
// folder (here a file written twice; a full disk is reported the same
// way) names the path the file has in the destination, as WriteFile's
// errors do, never the hidden temporary folder, and still matches its
// cause. Both for a new folder and for one merged into, from WriteFile,
// WriteData and Commit.
func TestDirErrorsNameDestination(t *testing.T) {
	root := t.TempDir()
	existing := filepath.Join(root, "existing")
	if err := os.MkdirAll(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(existing, "old"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dst := range []string{filepath.Join(root, "new"), existing} {
		check := func(what string, err error) {
			t.Helper()
			var pe *fs.PathError
			switch {
			case err == nil:
				t.Errorf("%s: %s: no error", dst, what)
			case strings.Contains(err.Error(), "tmp-") || !strings.Contains(err.Error(), filepath.Join(dst, "T", "f")):
				t.Errorf("%s: %s: %q does not name the file in the destination", dst, what, err)
			case !errors.Is(err, fs.ErrExist):
				t.Errorf("%s: %s: %v does not match fs.ErrExist", dst, what, err)
			case !errors.As(err, &pe) || pe.Path != filepath.Join(dst, "T", "f"):
				t.Errorf("%s: %s: *fs.PathError %v, want it about %s", dst, what, pe, filepath.Join(dst, "T", "f"))
			}
		}
		d, err := CreateDir(dst)
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, d, "T/f", "x")
		check("WriteFile", d.WriteFile("T/f", writeString("y")))
		d.Abort()

		d, err = CreateDir(dst)
		if err != nil {
			t.Fatal(err)
		}
		var errs []error
		for range 2 {
			errs = append(errs, d.WriteData("T/f", []byte("x")))
		}
		errs = append(errs, d.Commit())
		check("WriteData or Commit", errors.Join(errs...))
	}
}

// TestDirKeep: Commit refuses to replace a file Keep names, reached by
// the name the new entry has (the package being exported, at DIR/T/cell),
// and moves nothing; through a hard link too, as that is the same file.
// A file Keep names that the export does not reach is no obstacle.
func TestDirKeep(t *testing.T) {
	for _, tt := range []struct {
		name   string
		kept   string // below dst
		link   string // a hard link to kept, below dst ("": none)
		refuse bool
	}{
		{"package at T/cell", "T/cell", "", true},
		{"package at T.idt", "T.idt", "", true},
		{"hard link at T.idt", "pkg.msi", "T.idt", true},
		{"package elsewhere in the folder", "pkg.msi", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dst := filepath.Join(root, "out")
			kept := filepath.Join(dst, filepath.FromSlash(tt.kept))
			os.MkdirAll(filepath.Dir(kept), 0o777)
			if err := os.WriteFile(kept, []byte("package"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.link != "" {
				if err := os.Link(kept, filepath.Join(dst, tt.link)); err != nil {
					t.Skip(err)
				}
			}
			before := tree(t, root)
			d, err := CreateDir(dst)
			if err != nil {
				t.Fatal(err)
			}
			d.Keep(kept)
			mustWrite(t, d, "A.idt", "new")
			mustWrite(t, d, "T.idt", "table")
			mustWrite(t, d, "T/cell", "cell")
			err = d.Commit()
			if !tt.refuse {
				if err != nil {
					t.Fatal(err)
				}
				if got := tree(t, dst)["pkg.msi"]; got != "package" {
					t.Errorf("pkg.msi = %q", got)
				}
				return
			}
			var kf *KeptFileError
			if !errors.As(err, &kf) || !errors.Is(err, ErrSameFile) || !errors.Is(err, fs.ErrExist) || kf.Kept != kept {
				t.Fatalf("Commit: %v (%T), want a *KeptFileError about %s", err, err, kept)
			}
			if diff := cmp.Diff(before, tree(t, root)); diff != "" {
				t.Errorf("a refused merge changed the tree (-before +after):\n%s", diff)
			}
		})
	}
}
