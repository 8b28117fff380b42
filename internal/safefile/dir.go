package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// A Dir is a folder of new files written as a whole: the files go into a
// hidden temporary folder and Commit moves them into place at the end, so
// that a failure at any point (or a kill) leaves the destination as it
// was, and no reader ever sees a partial file. The files are written
// directly, without a temporary file, a flush or a rename each: one export
// of 100,000 files costs what writing them costs.
//
//   - If the destination does not exist, the temporary folder is created
//     beside it (".NAME.tmp-*" in the same parent, or ".msikit-tmp-*"
//     when NAME is too long for that) and Commit renames it
//     to the destination: the destination appears complete or not at all.
//   - If the destination is an existing folder (or a symbolic link to one),
//     the temporary folder is created inside it (".msikit-tmp-*") and
//     Commit moves each new file and folder up into it, replacing regular
//     files of the same name. Before moving anything Commit checks that no
//     new entry would replace a symbolic link, a folder with a file or a
//     file with a folder; if one would, nothing is moved. A subfolder that
//     exists on both sides is merged the same way.
//
// Files are created with mode 0o666 and folders with 0o777, less the umask.
// Nothing is flushed to stable storage: like Write, a Dir is for output
// that can be made again (exports, extractions). WriteFile and WriteData
// may be called from several goroutines at once; Commit and Abort only
// once they have all returned.
type Dir struct {
	dst   string
	tmp   string
	merge bool // tmp is inside dst: move entries up
	done  bool
	keep  []keptFile // files Commit must not replace (Keep)

	createMu sync.Mutex // serializes creating files and folders (dirState)
	dirState
}

var errDone = errors.New("safefile: folder already committed or aborted")

func errNotInside(rel string) error {
	return fmt.Errorf("safefile: %q is not a path inside the folder", rel)
}

// CreateDir starts writing the folder dst. Its parent folders are created
// if needed. The caller writes below Path and ends with Commit, or Abort
// to leave dst as it was.
func CreateDir(dst string) (*Dir, error) {
	fi, err := os.Stat(filepath.Clean(dst)) // "pipe/" does not stat at all
	switch {
	case err == nil && !fi.IsDir():
		return nil, &fs.PathError{Op: "create folder", Path: dst, Err: NotFolderError{fi.Mode()}}
	case err == nil:
		tmp, err := mkdirTemp(dst, ".msikit-tmp-")
		if err != nil {
			return nil, aboutDst("create folder", dst, err)
		}
		return &Dir{dst: dst, tmp: tmp, merge: true}, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	if _, lerr := os.Lstat(dst); lerr == nil {
		// A dangling symbolic link: do not replace it.
		return nil, errLinkToNothing(dst)
	}
	clean := filepath.Clean(dst)
	parent := filepath.Dir(clean)
	if err := os.MkdirAll(parent, 0o777); err != nil {
		return nil, err
	}
	tmp, err := mkdirTemp(parent, tempPrefix(filepath.Base(clean), ""))
	if err != nil {
		return nil, aboutDst("create folder", dst, err)
	}
	return &Dir{dst: clean, tmp: tmp}, nil
}

// MkdirAll creates the folder dir and its parents, as os.MkdirAll does
// with mode 0o777 (less the umask), but refuses in words a symbolic link
// to nothing at dir, as CreateDir does: os.MkdirAll says only "file
// exists".
func MkdirAll(dir string) error {
	if fi, err := os.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return errLinkToNothing(dir)
		}
	}
	// Without a trailing separator: "pipe/" does not stat at all.
	if fi, err := os.Stat(filepath.Clean(dir)); err == nil && !fi.IsDir() {
		return &fs.PathError{Op: "create folder", Path: dir, Err: NotFolderError{fi.Mode()}}
	}
	return os.MkdirAll(dir, 0o777)
}

// A NotFolderError is the refusal of a destination folder (CreateDir,
// MkdirAll) that exists and is something else: a file, a named pipe, a
// device or a socket (after symbolic links). Mode is its type. It
// matches fs.ErrInvalid.
type NotFolderError struct{ Mode fs.FileMode }

// Error says what the destination is, in NotRegularTargetError's words.
func (e NotFolderError) Error() string {
	return "is a " + entryName(e.Mode) + ", not a folder"
}

// Is makes a NotFolderError match fs.ErrInvalid.
func (e NotFolderError) Is(target error) bool { return target == fs.ErrInvalid }

// entryName names the type of a file system entry: "regular file" or
// what typeName says.
func entryName(m fs.FileMode) string {
	if m.IsRegular() {
		return "regular file"
	}
	return typeName(m)
}

// errLinkToNothing is the refusal of a folder dst that is a symbolic link
// to nothing.
func errLinkToNothing(dst string) error {
	return &fs.PathError{Op: "create folder", Path: dst, Err: errors.New("is a symbolic link to nothing")}
}

// mkdir is os.Mkdir; tests replace it to make it fail.
var mkdir = os.Mkdir

// mkdirTemp creates a new folder named prefix + random in dir, with mode
// 0o777 less the umask (os.MkdirTemp would make it 0o700, and the folder
// becomes the destination).
func mkdirTemp(dir, prefix string) (string, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, prefix+randomSuffix())
		err := mkdir(name, 0o777)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) || try == 100 {
			return "", err
		}
	}
}

// A keptFile is a file Keep protects: its identity and its name as given.
type keptFile struct {
	fi   os.FileInfo
	name string
}

// Keep makes Commit refuse to replace the file name, by its identity
// (os.SameFile, so by whatever name or case the new entry reaches it): a
// file the writer reads, such as the package being exported, which an
// export into a folder holding it could otherwise replace with a file of
// the same name (the package at DIR/Binary/icon, a cell named icon of
// table Binary). A name that does not exist protects nothing. Call it
// before Commit.
func (d *Dir) Keep(name string) {
	if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() {
		d.keep = append(d.keep, keptFile{fi, name})
	}
}

// A KeptFileError is Commit's refusal to replace a file Keep protects
// (Path, which is the file Keep named as Kept). Nothing was moved. It
// matches ErrSameFile and fs.ErrExist.
type KeptFileError struct {
	Path, Kept string
}

// Error names the file and says it was not replaced.
func (e *KeptFileError) Error() string {
	if e.Path == e.Kept {
		return fmt.Sprintf("%s: is a file being read: not replaced, and nothing was written", e.Path)
	}
	return fmt.Sprintf("%s: is %s, which is being read: not replaced, and nothing was written", e.Path, e.Kept)
}

// Is reports whether target is ErrSameFile or fs.ErrExist.
func (e *KeptFileError) Is(target error) bool { return target == ErrSameFile || target == fs.ErrExist }

// Path returns the folder to write the files in. Its contents become the
// destination's at Commit.
func (d *Dir) Path() string { return d.tmp }

// WriteFile creates the new file rel (a slash-separated path below Path,
// whose parent folders are created as needed) with the bytes fill writes.
// rel must be local (filepath.IsLocal) and name a file not yet written.
// When fill or closing the file fails, the file is removed: Commit moves
// only files written whole. Calls from several goroutines write their
// files at the same time; only the creation is one at a time.
func (d *Dir) WriteFile(rel string, fill func(w io.Writer) error) (err error) {
	d.createMu.Lock()
	f, err := d.create(rel)
	d.createMu.Unlock()
	if err != nil {
		return d.named(err)
	}
	err = fill(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(filepath.Join(d.tmp, filepath.FromSlash(rel)))
	}
	return d.named(err)
}

// named returns err with the path of a file or folder in the temporary
// folder, in an *fs.PathError it holds, told as the path it gets in the
// destination: the temporary name means nothing to the caller's user
// (write DIR/Property.idt: no space left on device, not write
// DIR/.msikit-tmp-*/Property.idt). errors.Is still matches the cause.
func (d *Dir) named(err error) error {
	var pe *fs.PathError
	if err == nil || !errors.As(err, &pe) {
		return err
	}
	rel, rerr := filepath.Rel(d.tmp, pe.Path)
	if rerr != nil || !filepath.IsLocal(rel) && rel != "." {
		return err
	}
	if errors.Is(err, fs.ErrExist) {
		if other, ok := collidingEntry(pe.Path); ok {
			return &NameCollisionError{Name: filepath.Join(d.dst, rel), Other: filepath.Join(d.dst, filepath.Dir(rel), other), Err: err}
		}
	}
	return &tempNameError{err: err, tmp: pe.Path, dst: filepath.Join(d.dst, rel)}
}

// A NameCollisionError is a Dir's refusal of a new file whose name the
// file system takes for the name of a file written before it, in the
// same folder: a file system that ignores case (as Windows' and macOS's
// do by default) takes "Binary/a" for "Binary/A", one that normalizes
// Unicode takes "é" composed for "é" decomposed, and the second file
// would replace the first. Name is the new file and Other the one
// written before, as paths in the destination. It matches fs.ErrExist
// (Err is the file system's error).
type NameCollisionError struct {
	Name, Other string
	Err         error
}

// Error names both files and says why they cannot both be written.
func (e *NameCollisionError) Error() string {
	why := "names that differ only in case"
	if !strings.EqualFold(filepath.Base(e.Name), filepath.Base(e.Other)) {
		why = "these two names"
	}
	return fmt.Sprintf("%s and %s cannot both be written: the folder's file system treats %s as one name, so the second would replace the first", e.Other, e.Name, why)
}

// Unwrap returns the file system's error.
func (e *NameCollisionError) Unwrap() error { return e.Err }

// collidingEntry returns the name of another entry of the folder of p
// that is the file p names: the entry a file system that folds names
// found when p could not be created because it "exists".
func collidingEntry(p string) (string, bool) {
	fi, err := os.Lstat(p)
	if err != nil {
		return "", false
	}
	base := filepath.Base(p)
	ents, err := os.ReadDir(filepath.Dir(p))
	if err != nil {
		return "", false
	}
	for _, e := range ents {
		if e.Name() == base {
			continue
		}
		if efi, err := e.Info(); err == nil && os.SameFile(fi, efi) {
			return e.Name(), true
		}
	}
	return "", false
}

// WriteData creates the new file rel, as WriteFile does, with contents
// data. The caller may reuse data when WriteData returns, but the file may
// not be written yet: on Linux small files are written by background
// goroutines, and an error of theirs (a file that exists already, a full
// disk) is returned by a later WriteData or by Commit, which then moves
// nothing.
func (d *Dir) WriteData(rel string, data []byte) error {
	d.createMu.Lock()
	defer d.createMu.Unlock()
	return d.named(d.writeData(rel, data))
}

// Commit moves the files written below Path into the destination (see Dir)
// and removes the temporary folder. When a check fails (an entry would
// replace a symbolic link or an entry of another type) nothing is moved;
// only a rename failing part way through a merge into an existing folder
// (a file system error) can leave some of the new files moved, and the
// error is then a *MergeError that lists them. The temporary folder is
// removed after an error too.
func (d *Dir) Commit() error {
	if d.done {
		return errDone
	}
	if err := d.wait(); err != nil {
		err = d.named(err) // before Abort: it may look at the files written
		d.Abort()
		return err
	}
	d.closeDirs()
	if !d.merge {
		err := os.Rename(d.tmp, d.dst)
		if err == nil {
			d.done = true
			return nil
		}
		// Someone made the destination in the meantime: merge into it
		// if it is a folder.
		if fi, serr := os.Stat(d.dst); serr != nil || !fi.IsDir() {
			d.Abort()
			return err
		}
	}
	if err := d.checkMerge(d.tmp, d.dst); err != nil {
		d.Abort()
		return err
	}
	var moved []string
	if err := moveInto(d.tmp, d.dst, "", &moved); err != nil {
		d.Abort()
		if len(moved) > 0 {
			return &MergeError{Dst: d.dst, Moved: moved, Err: err}
		}
		return err
	}
	d.done = true
	return os.RemoveAll(d.tmp)
}

// Abort removes the temporary folder and everything written to it. It is
// a no-op after Commit.
func (d *Dir) Abort() error {
	if d.done {
		return nil
	}
	d.done = true
	d.closeDirs()
	return os.RemoveAll(d.tmp)
}

// checkMerge reports the first entry of src that cannot be moved into dst:
// one that would replace a symbolic link, something of another type or a
// file Keep protects.
func (d *Dir) checkMerge(src, dst string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		s, t := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		fi, err := os.Lstat(t)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return err
		case fi.Mode()&fs.ModeSymlink != 0:
			return &fs.PathError{Op: "replace", Path: t, Err: errors.New("is a symbolic link; not written through")}
		case e.IsDir() && fi.IsDir():
			if err := d.checkMerge(s, t); err != nil {
				return err
			}
		case e.IsDir() || !fi.Mode().IsRegular():
			return &fs.PathError{Op: "replace", Path: t, Err: fmt.Errorf("is a %s, the new entry a %s", entryName(fi.Mode()), entryName(e.Type()))}
		default:
			if std := stdioOf(fi); std != "" {
				return &fs.PathError{Op: "replace", Path: t, Err: StdioTargetError{Stream: std}}
			}
			for _, k := range d.keep {
				if os.SameFile(fi, k.fi) {
					return &KeptFileError{Path: t, Kept: k.name}
				}
			}
		}
	}
	return nil
}

// A MergeError reports a Commit into an existing folder that failed part
// way: the entries in Moved are in place in Dst, the other new entries
// were removed with the temporary folder.
type MergeError struct {
	Dst string
	// Moved lists the entries moved in, as slash-separated paths relative
	// to Dst, in the order they were moved: a new file, or a new folder
	// with everything in it (a folder that existed already is merged
	// entry by entry).
	Moved []string
	Err   error // why the next entry could not be moved
}

// Error says where and how many entries were moved, and why the next one
// was not.
func (e *MergeError) Error() string {
	n := "1 new file or folder"
	if len(e.Moved) != 1 {
		n = strconv.Itoa(len(e.Moved)) + " new files or folders"
	}
	return fmt.Sprintf("%s: %s moved in before a move failed (the others removed): %v", e.Dst, n, e.Err)
}

// Unwrap returns the error of the move that failed.
func (e *MergeError) Unwrap() error { return e.Err }

// rename is os.Rename; tests replace it to make a move fail part way.
var rename = os.Rename

// moveInto renames every entry of src into dst, descending into folders
// that exist on both sides, and appends each entry it moved to *moved as
// rel (dst's path relative to the destination) + its name.
func moveInto(src, dst, rel string, moved *[]string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		s, t := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		if e.IsDir() {
			if fi, err := os.Lstat(t); err == nil && fi.IsDir() {
				if err := moveInto(s, t, rel+e.Name()+"/", moved); err != nil {
					return err
				}
				continue
			}
		}
		if err := rename(s, t); err != nil {
			// About the destination: the temporary name means nothing
			// to the caller's user.
			var le *os.LinkError
			if errors.As(err, &le) {
				err = &fs.PathError{Op: "move", Path: t, Err: le.Err}
			}
			return err
		}
		*moved = append(*moved, rel+e.Name())
	}
	return nil
}
