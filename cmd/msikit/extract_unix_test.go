//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestExtractIntoNonFolder: -d naming something that is not a folder (a
// regular file, a named pipe) fails at once with one line, without
// opening it: opening a named pipe blocks until a writer comes.
func TestExtractIntoNonFolder(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(p string) error
	}{
		{"regular file", func(p string) error { return os.WriteFile(p, nil, 0o666) }},
		{"named pipe", func(p string) error { return syscall.Mkfifo(p, 0o666) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if err := tc.make(dir); err != nil {
				t.Skip(err)
			}
			type result struct {
				code           int
				stdout, stderr string
			}
			done := make(chan result, 1)
			go func() {
				code, stdout, stderr := runCLI(t, "extract", samplePath(), "-d", dir)
				done <- result{code, stdout, stderr}
			}()
			var got result
			select {
			case got = <-done:
			case <-time.After(10 * time.Second):
				// Unblock an open of the named pipe, then fail.
				if f, err := os.OpenFile(dir, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					f.Close()
				}
				got = <-done
				t.Errorf("extract -d %s: still running after 10 s", tc.name)
			}
			want := result{exitFailure, "", "msikit: " + samplePath() + ": " + dir + " is not a folder\n"}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(result{})); diff != "" {
				t.Errorf("extract -d %s (-want +got):\n%s", tc.name, diff)
			}
		})
	}
}
