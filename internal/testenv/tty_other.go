//go:build !unix

package testenv

import "io"

// openTTY returns nil: the summary goes to standard output.
func openTTY() io.WriteCloser { return nil }
