package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// OpenBeside opens the file name in dir for reading and returns it with
// its size. name comes from a package or a cabinet header (a cabinet of
// the Media table, the next cabinet of a set): it must be a relative path
// inside dir ("\" counts as a separator, ".." and absolute paths are
// refused). When no file has the exact name, a plain name (no separator)
// is matched case-insensitively among dir's entries, as on Windows.
func OpenBeside(dir, name string) (*os.File, int64, error) {
	if dir == "" {
		return nil, 0, fmt.Errorf("no folder to look for %q in", name)
	}
	clean := filepath.FromSlash(strings.ReplaceAll(name, "\\", "/"))
	if name == "" || !filepath.IsLocal(clean) {
		return nil, 0, fmt.Errorf("refusing cabinet name %q", name)
	}
	f, size, err := OpenRegular(filepath.Join(dir, clean))
	if errors.Is(err, fs.ErrNotExist) && !strings.ContainsRune(clean, filepath.Separator) {
		if ents, derr := os.ReadDir(dir); derr == nil {
			for _, e := range ents {
				if strings.EqualFold(e.Name(), clean) {
					f, size, err = OpenRegular(filepath.Join(dir, e.Name()))
					break
				}
			}
		}
	}
	if err != nil {
		return nil, 0, err
	}
	return f, size, nil
}
