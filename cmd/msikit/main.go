package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"syscall"
	"time"
)

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		if limit, folder := softMemoryLimit(os.Args[1:]); limit > 0 {
			debug.SetMemoryLimit(limit)
			if folder {
				go keepHeadroom(limit)
			}
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
// MB instead of 215 MB. The base was 180 MiB until the rewrite's plan
// and audit's entry points became compact (2026-12-07): at 160 MiB the
// heaviest runs on the 5 MB hostile fixtures peak at 210-213 MiB instead
// of 226-237, for 0-15% more CPU. A command run with $GOMEMLIMIT set
// gets none: the Go runtime applies that.
//
// A folder named as input (a batch, or rewrite's --source) counts as
// its largest file, what one package of the batch reads: a batch holds
// the results of a few packages at a time (forEachOrdered), most of
// them light. A folder had
// no limit until 2026-12-07: rewrite --dry-run on the folder of the 69
// scaled hostile fixtures peaked at 288-300 MiB with --jobs 2 for
// 135 MB live at most, 212 MiB under the limit, with no more CPU. The
// jobs of a batch may together hold more than the limit (two copies of
// one heavy package at once, 300 MB live): keepHeadroom then raises it,
// so that the collector does not run without pause.
const (
	softMemoryBase    = 160 << 20
	softMemoryPerByte = 8
)

// softMemoryLimit returns the soft memory limit for a command line (0:
// none), and whether an input is a folder. Arguments that are not files
// (flags, names of things to create) count nothing.
func softMemoryLimit(args []string) (limit int64, folder bool) {
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
			folder = true
			total += largestFile(a)
		} else if fi.Mode().IsRegular() {
			total += fi.Size()
		}
		if total > (1<<62-softMemoryBase)/softMemoryPerByte {
			return 0, folder
		}
	}
	return softMemoryBase + softMemoryPerByte*total, folder
}

// largestFile returns the size of the largest regular file in dir (not
// in its subfolders, as batch commands read it; a link counts as what
// it names), 0 if none.
func largestFile(dir string) int64 {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, e.Name()))
		if err == nil && fi.Mode().IsRegular() {
			n = max(n, fi.Size())
		}
	}
	return n
}

// keepHeadroom raises the soft memory limit of a batch above base when
// what is live nears it, and lowers it back to base when that passes:
// checked every headroomEvery, it keeps the limit at least headroom
// times what the last collection left live. Without it, two heavy
// packages at once holding more than the limit made the collector run
// without pause (rewrite --dry-run of a folder of four links to a
// package whose report holds 150 MB, --jobs 2: 12-14 s of CPU instead
// of 7 s).
func keepHeadroom(base int64) {
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	cur := base
	for range time.Tick(headroomEvery) {
		metrics.Read(live)
		if live[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if l := headroomLimit(base, int64(live[0].Value.Uint64())); l != cur {
			debug.SetMemoryLimit(l)
			cur = l
		}
	}
}

// headroomEvery is how often keepHeadroom looks at the heap.
const headroomEvery = 50 * time.Millisecond

// headroomLimit returns the soft memory limit for base and live bytes
// live: base, or 1.25 times live once live passes 0.8 times base.
func headroomLimit(base, live int64) int64 {
	if live <= base/5*4 {
		return base
	}
	return live + live/4
}
