//go:build unix

package main

import (
	"os"
	"runtime/debug"
	"syscall"
)

// maxRSS is the peak resident set size of a finished child process in
// bytes (getrusage's ru_maxrss: kilobytes on Linux), or 0 when unknown.
//
// On Linux a child's ru_maxrss starts from this process's own peak: the
// child runs in this process's memory until it execs (vfork), and exec
// records that memory's high-water mark as the child's. A test that grew
// this process (generating a big package, say; more so under -race) thus
// makes every later child look as big. Call resetPeakRSS first.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss) << 10
	}
	return 0
}

// resetPeakRSS returns what memory it can to the system and resets this
// process's peak resident set size to its current one (Linux's
// /proc/self/clear_refs), so that children started after it report their
// own peak (see maxRSS). It reports whether the system allowed the reset.
func resetPeakRSS() bool {
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
