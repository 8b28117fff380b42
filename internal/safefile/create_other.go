//go:build !unix

package safefile

import "os"

// createNew creates the file name, which must not exist, for writing.
func createNew(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
}
