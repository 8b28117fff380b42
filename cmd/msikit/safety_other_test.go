//go:build !linux

package main

import (
	"runtime"
	"testing"
)

// TestSIGKILLDuringWrite reads the killed process's open files from
// /proc: see safety_linux_test.go.
func TestSIGKILLDuringWrite(t *testing.T) {
	t.Skipf("reads a process's open files from /proc, which %s does not have", runtime.GOOS)
}
