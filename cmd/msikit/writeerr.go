//go:build !plan9 && !windows

package main

import (
	"errors"
	"syscall"
)

// fatalWriteError reports whether a write failure will fail for every
// later file too (a full disk or quota, a read-only file system), so that
// extraction stops instead of reporting each file.
func fatalWriteError(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EROFS)
}
