//go:build !linux

package safefile

import (
	"io"
	"os"
	"path/filepath"
)

// dirState records the subfolders of a Dir's temporary folder already
// created.
type dirState struct {
	made map[string]bool
}

// prepare checks rel and creates its parent folders; it returns the path
// to create.
func (d *Dir) prepare(rel string) (string, error) {
	p := filepath.FromSlash(rel)
	if !filepath.IsLocal(p) {
		return "", errNotInside(rel)
	}
	name := filepath.Join(d.tmp, p)
	if dir := filepath.Dir(name); dir != d.tmp && !d.made[dir] {
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return "", err
		}
		if d.made == nil {
			d.made = map[string]bool{}
		}
		d.made[dir] = true
	}
	return name, nil
}

// create creates the new file rel.
func (d *Dir) create(rel string) (io.WriteCloser, error) {
	if d.done {
		return nil, errDone
	}
	name, err := d.prepare(rel)
	if err != nil {
		return nil, err
	}
	return createNew(name)
}

// writeData creates the new file rel with contents data.
func (d *Dir) writeData(rel string, data []byte) error {
	f, err := d.create(rel)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (d *Dir) closeDirs() {}

// wait returns nil: writes are not done in the background here.
func (d *Dir) wait() error { return nil }
