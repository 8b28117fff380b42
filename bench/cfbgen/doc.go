// Command cfbgen writes the large compound file used by bench/cfb.sh and
// the cfb benchmarks: big streams totalling -mib MiB plus -small small
// streams (about half of them under the 4096-byte mini stream cutoff),
// with deterministic pseudo-random content.
//
//	go run ./bench/cfbgen -o /tmp/large.cfb
package main
