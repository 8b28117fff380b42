package transform

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/msikit/msikit/msi"
)

// defaultMaxAssemblyFileBytes is the default of
// AssemblyNamesOptions.MaxFileBytes; assemblies and manifests are far
// smaller.
const defaultMaxAssemblyFileBytes = 256 << 20

// packageFileOpener returns an AssemblyNamesOptions.Open that reads a file,
// by File key, out of the package's own cabinets (embedded, or beside the
// package when it was opened from a path) with msi's Database.Extract.
// A file the package does not carry gives an error wrapping
// fs.ErrNotExist, so that Source is tried next.
func packageFileOpener(db *msi.Database, limit int64) func(string) (io.ReaderAt, int64, error) {
	return func(key string) (io.ReaderAt, int64, error) {
		var data []byte
		found := false
		rep, err := db.Extract(&msi.ExtractOptions{Keys: []string{key}}, func(f *msi.InstallFile, r io.Reader) error {
			if f.Key != key {
				return nil
			}
			if f.Size > limit {
				return fmt.Errorf("file %s is %d bytes, more than the %d this pass reads", key, f.Size, limit)
			}
			b, err := io.ReadAll(io.LimitReader(r, limit+1))
			if err != nil {
				return err
			}
			if int64(len(b)) > limit {
				return fmt.Errorf("file %s holds more than the %d bytes this pass reads", key, limit)
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
