package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
)

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		if limit, ok := softMemoryLimit(os.Args[1:]); ok {
			debug.SetMemoryLimit(limit)
		}
	}
	ctx, stop := signalContext()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// signalContext returns a context cancelled by an interrupt (Ctrl-C) or a
// termination request (SIGTERM, what CI systems and service managers send
// when a job runs out of time), with a *signalError as its cause:
// commands that work through several files or passes stop before the
// next (extract removing what it had written), and a single-file write
// finishes or leaves its destination as it was. A second signal ends the
// process at once.
func signalContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case sig := <-ch:
			cancel(&signalError{sig})
		case <-ctx.Done():
			return
		}
		// A second signal ends the process at once (a command that is
		// finishing a write leaves its hidden temporary file, as a kill
		// does).
		if sig, ok := <-ch; ok {
			fmt.Fprintf(os.Stderr, "msikit: stopped by a second signal (%v)\n", sig)
			os.Exit(1)
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(nil)
	}
}

// signalError is why a signal stopped a command. It matches
// context.Canceled.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "stopped by a signal (" + e.sig.String() + ")" }

func (e *signalError) Unwrap() error { return context.Canceled }

// Soft memory limit: the garbage collector lets the heap grow to twice
// what was live after its last cycle, so a command holding 130 MB of
// reports reaches 250 MB of memory mostly in garbage. Under a limit set
// with debug.SetMemoryLimit it collects sooner instead, as the heap nears
// the limit: memory stays near what is live, for a few percent more CPU
// (a 4.9 MB package whose audit holds 54,000 health checks: peak 240-251
// -> 211-213 MiB, about 5% more CPU). The limit grows with the input, so large
// packages, whose commands legitimately hold more, are not slowed down:
// softMemoryBase + softMemoryPerByte times the bytes of the files named
// on the command line as inputs: the value of -o/--output or -d/--dir is
// what the command writes, and an existing output (a 53 MB package
// written by an earlier import of 250,000 cell files) counted as input
// raised the limit to 630 MB, where the same import peaked at 300-470
// MB instead of 215 MB. A command given a folder as input (batch modes)
// gets none, and neither does one run with $GOMEMLIMIT set, which the Go
// runtime applies itself. The base was 180 MiB until the rewrite's plan
// and audit's entry points became compact (2026-12-07): at 160 MiB the
// heaviest runs on the 5 MB hostile fixtures peak at 210-213 MiB instead
// of 226-237, for 0-15% more CPU.
const (
	softMemoryBase    = 160 << 20
	softMemoryPerByte = 8
)

// softMemoryLimit returns the soft memory limit for a command line, and
// false when it should have none: an argument names a folder. Arguments
// that are not files (flags, names of things to create) count nothing.
func softMemoryLimit(args []string) (int64, bool) {
	var total int64
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a {
		case "-o", "--output", "-d", "--dir":
			i++ // the output, not read
			continue
		}
		if strings.HasPrefix(a, "--output=") || strings.HasPrefix(a, "--dir=") || strings.HasPrefix(a, "-o=") || strings.HasPrefix(a, "-d=") {
			continue
		}
		fi, err := os.Stat(a)
		if err != nil {
			continue
		}
		if fi.IsDir() {
			return 0, false
		}
		if fi.Mode().IsRegular() {
			total += fi.Size()
		}
	}
	if total > (1<<62-softMemoryBase)/softMemoryPerByte {
		return 0, false
	}
	return softMemoryBase + softMemoryPerByte*total, true
}
