package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
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
