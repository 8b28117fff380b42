//go:build !unix

package main

import "errors"

// canLimitFileSize says whether limitFileSize works here: it needs
// setrlimit.
const canLimitFileSize = false

// limitFileSize cannot limit a file's size here.
func limitFileSize(uint64) error { return errors.ErrUnsupported }

// limitMemory sets no limit where there is no setrlimit: a runaway
// allocation is then stopped only by the child's two-minute timeout.
func limitMemory(uint64) error { return nil }
