//go:build !unix

package safefile

import (
	"io/fs"
	"os"
)

// openNoWait opens name read-only and returns it with its information
// (outside Unix, opening a file does not wait for a writer).
func openNoWait(name string) (*os.File, fs.FileInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}
