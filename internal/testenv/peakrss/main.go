package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: peakrss REPORT COMMAND [ARG...]")
		os.Exit(125)
	}
	// The parent-death signal goes with the thread that started the
	// child: keep that thread alive until the child is waited for.
	runtime.LockOSThread()
	report := os.Args[1]
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	prepare(cmd)
	err := cmd.Run()
	ps := cmd.ProcessState
	if ps == nil {
		fmt.Fprintf(os.Stderr, "peakrss: %v\n", err)
		os.Exit(125)
	}
	code, line := ps.ExitCode(), ""
	if sig, ok := signaled(ps); ok {
		code = 128 + sig.n
		line = fmt.Sprintf("signal %s maxrss %d\n", sig.name, maxRSS(ps))
	} else {
		line = fmt.Sprintf("exit %d maxrss %d\n", code, maxRSS(ps))
	}
	if err := os.WriteFile(report, []byte(line), 0o666); err != nil {
		fmt.Fprintf(os.Stderr, "peakrss: %v\n", err)
		os.Exit(125)
	}
	os.Exit(code)
}

// signalInfo names the signal that ended a process.
type signalInfo struct {
	n    int
	name string
}
