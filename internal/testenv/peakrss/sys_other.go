//go:build !linux

package main

import (
	"os"
	"os/exec"
)

// prepare does nothing: the parent-death signal is Linux's.
func prepare(cmd *exec.Cmd) {}

// maxRSS is 0: only Linux's figure is the command's own (see the
// package documentation).
func maxRSS(ps *os.ProcessState) int64 { return 0 }

// signaled reports nothing: the exit status says what the system tells.
func signaled(ps *os.ProcessState) (signalInfo, bool) { return signalInfo{}, false }
