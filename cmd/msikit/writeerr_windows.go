package main

import (
	"errors"
	"syscall"
)

// Windows' system error codes for a full disk and a read-only medium
// (winerror.h); package syscall does not name them, and its ENOSPC and
// EROFS are Go's own numbers, which no Windows call returns.
const (
	errorWriteProtect   = syscall.Errno(19)   // ERROR_WRITE_PROTECT
	errorHandleDiskFull = syscall.Errno(39)   // ERROR_HANDLE_DISK_FULL
	errorDiskFull       = syscall.Errno(112)  // ERROR_DISK_FULL
	errorNotEnoughQuota = syscall.Errno(1816) // ERROR_NOT_ENOUGH_QUOTA
)

// fatalWriteError reports whether a write failure will fail for every
// later file too (a full disk or quota, a write-protected medium), so
// that extraction stops instead of reporting each file.
func fatalWriteError(err error) bool {
	for _, e := range []error{errorDiskFull, errorHandleDiskFull, errorNotEnoughQuota, errorWriteProtect} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
