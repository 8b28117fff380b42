//go:build unix

package main

import (
	"os"
	"syscall"
)

// maxRSS is the peak resident set size of a finished child process in
// bytes (getrusage's ru_maxrss: kilobytes on Linux), or 0 when unknown.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss) << 10
	}
	return 0
}
