//go:build unix && !openbsd

package main

import "syscall"

// rlimitMemory is the limit limitMemory sets: the address space.
const rlimitMemory = syscall.RLIMIT_AS
