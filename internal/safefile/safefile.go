package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrSameFile is returned by Write when the destination is the same file as
// one of the inputs the caller named and overwriting was not allowed.
var ErrSameFile = errors.New("output is the same file as the input (use --in-place to overwrite it)")

// Write creates dst atomically with the bytes fill writes, without flushing
// them to stable storage (see the package documentation). The file mode of a
// new file is 0o644; an existing destination keeps its mode.
func Write(dst string, fill func(w io.Writer) error) error {
	return WriteWith(dst, false, fill)
}

// WriteSync is Write, and also flushes the new file to stable storage
// before the rename and the folder after it.
func WriteSync(dst string, fill func(w io.Writer) error) error {
	return WriteWith(dst, true, fill)
}

// syncFile is (*os.File).Sync; tests replace it to see which files are
// flushed.
var syncFile = (*os.File).Sync

// WriteWith is WriteSync when sync is set and Write otherwise, for callers
// whose choice is a flag.
//
// Errors name dst, never the temporary file: the temporary name means
// nothing to the caller's user, so every error (from the file system or
// from fill writing to the temporary file) is reported as being about dst.
func WriteWith(dst string, sync bool, fill func(w io.Writer) error) (err error) {
	mode := os.FileMode(0o644)
	if fi, statErr := os.Stat(dst); statErr == nil {
		if fi.IsDir() {
			return &fs.PathError{Op: "create", Path: dst, Err: errIsDir}
		}
		mode = fi.Mode().Perm()
	}
	dir := filepath.Dir(dst)
	f, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return &fs.PathError{Op: "create", Path: dst, Err: pe.Err}
		}
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			var pe *fs.PathError
			if strings.Contains(err.Error(), tmp) || errors.As(err, &pe) && pe.Path == tmp {
				err = &tempNameError{err: err, tmp: tmp, dst: dst}
			}
		}
	}()
	if err = fill(f); err != nil {
		return err
	}
	if sync {
		if err = syncFile(f); err != nil {
			return fmt.Errorf("sync %s: %w", tmp, err)
		}
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, dst); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) {
			err = &fs.PathError{Op: "rename", Path: dst, Err: le.Err}
			if fi, serr := os.Stat(dst); serr == nil && fi.IsDir() {
				err = &fs.PathError{Op: "create", Path: dst, Err: errIsDir}
			}
		}
		return err
	}
	if !sync {
		return nil
	}
	// Make the rename durable; a failure here is not worth failing for.
	if d, derr := os.Open(dir); derr == nil {
		syncFile(d)
		d.Close()
	}
	return nil
}

// errIsDir is the reason given when dst is an existing folder, which
// rename(2) words as "file exists" or "is a directory" depending on the
// system.
var errIsDir = errors.New("is a directory")

// A tempNameError is an error of WriteWith that arose while the content
// was in the temporary file. Its message, and any *fs.PathError found in
// it with errors.As, name the destination instead of the temporary file;
// Unwrap gives the original error, so errors.Is still matches the cause
// (syscall.ENOSPC, say).
type tempNameError struct {
	err      error
	tmp, dst string
}

func (e *tempNameError) Error() string {
	return strings.ReplaceAll(e.err.Error(), e.tmp, e.dst)
}

func (e *tempNameError) Unwrap() error { return e.err }

// As makes errors.As(err, &pathErr) see the destination's path when the
// underlying *fs.PathError names the temporary file.
func (e *tempNameError) As(target any) bool {
	t, ok := target.(**fs.PathError)
	if !ok {
		return false
	}
	var pe *fs.PathError
	if !errors.As(e.err, &pe) {
		return false
	}
	if pe.Path == e.tmp {
		pe = &fs.PathError{Op: pe.Op, Path: e.dst, Err: pe.Err}
	}
	*t = pe
	return true
}

// CheckDistinct returns ErrSameFile (wrapped with the path) if out names the
// same file as in, unless inPlace is set. A missing out is always distinct.
func CheckDistinct(in, out string, inPlace bool) error {
	if !inPlace && Same(in, out) {
		return fmt.Errorf("%s: %w", out, ErrSameFile)
	}
	return nil
}

// Same reports whether a and b name the same existing file.
func Same(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false
	}
	return os.SameFile(fa, fb)
}
