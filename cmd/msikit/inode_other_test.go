//go:build !unix && !windows

package main

import (
	"runtime"
	"testing"
)

// inode skips the test: this system has no file number to tell a file
// replaced by a rename from one written in place.
func inode(t *testing.T, path string) uint64 {
	t.Helper()
	t.Skipf("no inode numbers on %s", runtime.GOOS)
	return 0
}
