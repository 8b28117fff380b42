// Command peakrss runs a command and writes the command's own peak
// resident set size to a file, however big the process that started
// peakrss has grown. The tests of cmd/msikit measure every child msikit
// through it.
//
// Usage:
//
//	peakrss REPORT COMMAND [ARG...]
//
// On Linux, a child's peak RSS as its parent sees it (getrusage's
// ru_maxrss) starts from the parent's own: Go starts a child inside the
// parent's memory (vfork) until it execs, and exec records that memory's
// high-water mark as the child's. A test process that has grown (a big
// fixture, the race detector's shadow memory) thus makes every child it
// measures look at least as big. peakrss is a small process: COMMAND
// starts from peakrss's few megabytes, so the figure it reports is
// COMMAND's.
//
// peakrss passes its standard input, output and error to COMMAND and
// exits with COMMAND's exit status, or 128+N when signal N ended it.
// REPORT gets one line, "exit STATUS maxrss BYTES" or "signal NAME maxrss
// BYTES" (BYTES is 0 where the system does not tell). If peakrss is
// killed, so is COMMAND (on Linux: the parent-death signal).
package main
