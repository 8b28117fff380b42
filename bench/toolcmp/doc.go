//go:build linux

// Command toolcmp compares `msikit extract` with msitools' `msiextract` on
// every package of a folder (by default the shared corpus): for each
// package both tools extract it into a new folder in /dev/shm (or the temp
// folder), RUNS times each in ROUNDS interleaved rounds, and the medians of
// wall time, CPU time (user + system, from the child's rusage, microsecond
// resolution) and peak RSS are printed with the number of files each tool
// wrote and whether it failed. The summary counts the packages where
// msikit's median wall time is at or below msiextract's among those
// msiextract extracts, and totals the time over them.
//
//	go build -o /tmp/msikit ./cmd/msikit
//	go run ./bench/toolcmp -msikit /tmp/msikit [-runs 10] [-rounds 3] [DIR|PKG...]
//
// bench/extract-corpus.sh wraps it (it builds msikit as the README does).
package main
