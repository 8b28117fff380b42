//go:build !linux

package testenv

// readLoadAverage returns 0: the load average is read on Linux only.
func readLoadAverage() float64 { return 0 }
