package main

import "syscall"

// fatalWriteErrors are TestFatalWriteError's cases: Windows' system
// error codes (winerror.h).
var fatalWriteErrors = []struct {
	errno syscall.Errno
	fatal bool
}{
	{112, true},  // ERROR_DISK_FULL
	{39, true},   // ERROR_HANDLE_DISK_FULL
	{1816, true}, // ERROR_NOT_ENOUGH_QUOTA
	{19, true},   // ERROR_WRITE_PROTECT
	{5, false},   // ERROR_ACCESS_DENIED
	{32, false},  // ERROR_SHARING_VIOLATION
}
