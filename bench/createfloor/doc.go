//go:build linux

// Command createfloor measures what the kernel alone costs to create N
// small files in one new folder (openat with O_CREAT|O_EXCL, one write,
// close; no Go runtime files, no data to read), on J goroutines at once:
// the floor under `msikit export -d` of N binary cells
// (bench/streams.sh), which cannot write its files faster than this.
//
//	go run ./bench/createfloor -dir /dev/shm/floor -n 100000 -size 1024 -jobs 2
//
// It prints the wall time; run it under /usr/bin/time for the system time.
// The folder is removed afterwards.
package main
