//go:build !unix

package main

import "os"

// maxRSS is 0 where the system does not report a child's peak resident
// set size through os.ProcessState; the memory checks then see nothing.
func maxRSS(ps *os.ProcessState) int64 { return 0 }

// resetPeakRSS does nothing where maxRSS reports nothing.
func resetPeakRSS() bool { return false }
