//go:build unix

package testenv

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// FinishOrReleasePipes runs f and waits for it to return. If it has not
// within 10 s, it fails t with what, opens each of pipes (named pipes) for
// writing and closes them, so that an open of one waiting for a writer
// returns, and waits for f again: a test of code that must not wait on a
// pipe fails instead of hanging.
func FinishOrReleasePipes(t testing.TB, what string, f func(), pipes ...string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Errorf("%s: still running after 10 s", what)
		for _, p := range pipes {
			if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
		}
		<-done
	}
}
