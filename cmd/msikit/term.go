package main

import (
	"io"
	"os"
)

// isTerminal reports whether w is a terminal, so that progress output
// goes only to people watching and standard output to a file, a pipe or
// /dev/null is buffered (see run). /dev/null is a character device but
// no terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	return isTTY(f)
}
