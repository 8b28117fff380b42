package transform

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/msikit/msikit/msi"
)

// maxAssemblyFileBytes bounds one file read out of a package for the
// assembly-names pass; assemblies and manifests are far smaller, and a
// File row cannot make the pass buffer more than this.
const maxAssemblyFileBytes = 256 << 20

// packageFileOpener returns an AssemblyNamesOptions.Open that reads a file,
// by File key, out of the package's own cabinets (embedded, or beside the
// package when it was opened from a path) with msi's Database.Extract.
// A file the package does not carry gives an error wrapping
// fs.ErrNotExist, so that Source is tried next.
func packageFileOpener(db *msi.Database) func(string) (io.ReaderAt, int64, error) {
	return func(key string) (io.ReaderAt, int64, error) {
		var data []byte
		found := false
		rep, err := db.Extract(&msi.ExtractOptions{Keys: []string{key}}, func(f *msi.InstallFile, r io.Reader) error {
			if f.Key != key {
				return nil
			}
			if f.Size > maxAssemblyFileBytes {
				return fmt.Errorf("file %s is %d bytes, more than the %d this pass reads", key, f.Size, maxAssemblyFileBytes)
			}
			b, err := io.ReadAll(io.LimitReader(r, maxAssemblyFileBytes+1))
			if err != nil {
				return err
			}
			data, found = b, true
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
		if !found {
			reason := "not in the package's cabinets"
			switch {
			case rep != nil && len(rep.Failed) > 0:
				reason = strings.Join(rep.Failed, "; ")
			case rep != nil && len(rep.MissingCabinets) > 0:
				reason = strings.Join(rep.MissingCabinets, "; ")
			}
			return nil, 0, fmt.Errorf("file %s: %s: %w", key, reason, fs.ErrNotExist)
		}
		return bytes.NewReader(data), int64(len(data)), nil
	}
}
