package main

import "syscall"

// rlimitMemory is the limit limitMemory sets. OpenBSD has no address
// space limit; its data size limit counts every anonymous mapping, where
// Go's heap is.
const rlimitMemory = syscall.RLIMIT_DATA
