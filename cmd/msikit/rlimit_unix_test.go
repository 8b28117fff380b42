//go:build unix

package main

import "syscall"

// canLimitFileSize says whether limitFileSize works here.
const canLimitFileSize = true

// limitFileSize makes this process's writes past n bytes of a file fail
// (with EFBIG: Go ignores SIGXFSZ).
func limitFileSize(n uint64) error { return setrlimit(syscall.RLIMIT_FSIZE, n) }

// limitMemory limits the memory this process can map to n bytes, so that
// a runaway allocation ends it, not the machine.
func limitMemory(n uint64) error { return setrlimit(rlimitMemory, n) }

func setrlimit(resource int, n uint64) error {
	var l syscall.Rlimit
	setLimit(&l.Cur, n)
	setLimit(&l.Max, n)
	return syscall.Setrlimit(resource, &l)
}

// setLimit sets an Rlimit field, signed on some systems (FreeBSD,
// DragonFly) and unsigned on the others.
func setLimit[T ~int64 | ~uint64](p *T, n uint64) { *p = T(n) }
