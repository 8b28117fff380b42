package main

import (
	"os"
	"os/exec"
	"syscall"
)

// prepare has COMMAND killed if peakrss dies first.
func prepare(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// maxRSS is the finished process's own peak resident set size in bytes
// (ru_maxrss is in kilobytes on Linux).
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss) << 10
	}
	return 0
}

// signaled reports the signal that ended the process, if one did.
func signaled(ps *os.ProcessState) (signalInfo, bool) {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return signalInfo{int(ws.Signal()), ws.Signal().String()}, true
	}
	return signalInfo{}, false
}
