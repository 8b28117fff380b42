//go:build !plan9

package main

import (
	"fmt"
	"os"
	"testing"
)

// TestFatalWriteError: the system's errors for a full disk or quota and
// a read-only medium (fatalWriteErrors, per system) stop extraction,
// wrapped as the os package wraps them; the others do not.
func TestFatalWriteError(t *testing.T) {
	for _, c := range fatalWriteErrors {
		err := fmt.Errorf("extracting: %w", &os.PathError{Op: "write", Path: "x", Err: c.errno})
		if got := fatalWriteError(err); got != c.fatal {
			t.Errorf("fatalWriteError(%v, errno %d) = %v, want %v", c.errno, uintptr(c.errno), got, c.fatal)
		}
	}
}
