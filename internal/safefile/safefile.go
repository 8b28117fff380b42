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

// Write creates dst atomically with the bytes fill writes. The file mode of
// a new file is 0o644; an existing destination keeps its mode.
func Write(dst string, fill func(w io.Writer) error) (err error) {
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
	if err = f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp, err)
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
	// Make the rename durable; a failure here is not worth failing for.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// CheckDistinct returns ErrSameFile (wrapped with the path) if out names the
// same file as in, unless inPlace is set. A missing out is always distinct.
func CheckDistinct(in, out string, inPlace bool) error {
	if inPlace {
		return nil
	}
	a, err := os.Stat(in)
	if err != nil {
		return nil
	}
	b, err := os.Stat(out)
	if err != nil {
		return nil
	}
	if os.SameFile(a, b) {
		return fmt.Errorf("%s: %w", out, ErrSameFile)
	}
	return nil
}
