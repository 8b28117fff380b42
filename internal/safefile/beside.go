package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/msikit/msikit/internal/casefold"
)

// OpenBeside opens the file name in dir for reading and returns it with
// its size, as a Folder of dir does (see Folder.Open). A caller that
// looks up more than one name in the same folder keeps a Folder instead,
// which lists the folder once.
func OpenBeside(dir, name string) (*os.File, int64, error) {
	return NewFolder(dir).Open(name)
}

// A Folder opens the files that package data names in one folder: a
// cabinet of the Media table, the next cabinet of a set. It lists the
// folder at most once, on the first name that has no file of its exact
// name, however many names miss: a package of 32,767 Media rows naming
// missing cabinets, beside 2,000 other files, read the folder once per
// name, 65 million entries and 43 s. A Folder is safe for concurrent use.
type Folder struct {
	dir string

	mu     sync.Mutex
	listed bool
	byFold map[string][]string // casefold.Key of an entry's name -> names, in the folder's order
}

// NewFolder returns a Folder of dir ("" is no folder: every Open fails).
func NewFolder(dir string) *Folder { return &Folder{dir: dir} }

// Open opens the file name in the folder for reading and returns it with
// its size. name comes from a package or a cabinet header: it must be a
// relative path inside the folder ("\" counts as a separator, ".." and
// absolute paths are refused). When no file has the exact name, a plain
// name (no separator) is matched case-insensitively (strings.EqualFold)
// among the folder's entries, as on Windows; the first match in name order
// is taken. The file must be a regular file (OpenRegular).
func (d *Folder) Open(name string) (*os.File, int64, error) {
	if d.dir == "" {
		return nil, 0, fmt.Errorf("no folder to look for %q in", name)
	}
	clean := filepath.FromSlash(strings.ReplaceAll(name, "\\", "/"))
	if name == "" || !filepath.IsLocal(clean) {
		return nil, 0, fmt.Errorf("refusing cabinet name %q", name)
	}
	f, size, err := OpenRegular(filepath.Join(d.dir, clean))
	if errors.Is(err, fs.ErrNotExist) && !strings.ContainsRune(clean, filepath.Separator) {
		if other, ok := d.lookupFold(clean); ok {
			f, size, err = OpenRegular(filepath.Join(d.dir, other))
		}
	}
	if err != nil {
		return nil, 0, err
	}
	return f, size, nil
}

// lookupFold returns the first entry of the folder whose name equals name
// under case folding, listing the folder on the first call. A folder that
// cannot be listed has no entries.
func (d *Folder) lookupFold(name string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.listed {
		d.listed = true
		d.byFold = map[string][]string{}
		if ents, err := os.ReadDir(d.dir); err == nil {
			for _, e := range ents {
				k := casefold.Key(e.Name())
				d.byFold[k] = append(d.byFold[k], e.Name())
			}
		}
	}
	for _, n := range d.byFold[casefold.Key(name)] {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}
