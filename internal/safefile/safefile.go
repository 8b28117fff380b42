package safefile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
func WriteWith(dst string, sync bool, fill func(w io.Writer) error) (err error) {
	dir := filepath.Dir(dst)
	f, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	mode := os.FileMode(0o644)
	if fi, statErr := os.Stat(dst); statErr == nil {
		mode = fi.Mode().Perm()
	}
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
