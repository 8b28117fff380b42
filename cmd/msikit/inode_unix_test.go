//go:build unix

package main

import (
	"os"
	"syscall"
	"testing"
)

// inode is the file's inode number: it changes when the file is
// replaced by a rename, not when it is written in place.
func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(fi.Sys().(*syscall.Stat_t).Ino)
}
