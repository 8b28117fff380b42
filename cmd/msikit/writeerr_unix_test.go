//go:build !plan9 && !windows

package main

import "syscall"

// fatalWriteErrors are TestFatalWriteError's cases.
var fatalWriteErrors = []struct {
	errno syscall.Errno
	fatal bool
}{
	{syscall.ENOSPC, true},
	{syscall.EDQUOT, true},
	{syscall.EROFS, true},
	{syscall.EACCES, false},
	{syscall.ENAMETOOLONG, false},
}
