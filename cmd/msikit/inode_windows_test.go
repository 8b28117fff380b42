package main

import (
	"os"
	"syscall"
	"testing"
)

// inode is the file's NTFS file index, Windows' inode number: it changes
// when the file is replaced by a rename, not when it is written in place.
func inode(t *testing.T, path string) uint64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var d syscall.ByHandleFileInformation
	if err := syscall.GetFileInformationByHandle(syscall.Handle(f.Fd()), &d); err != nil {
		t.Fatal(err)
	}
	return uint64(d.FileIndexHigh)<<32 | uint64(d.FileIndexLow)
}
