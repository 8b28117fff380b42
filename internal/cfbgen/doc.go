// Package cfbgen generates the large compound file used by the cfb
// benchmarks (cfb/bench_test.go) and by bench/cfb.sh (through the
// bench/cfbgen command): big pseudo-random streams, as cabinets are, plus
// many small streams, as binary table cells are. The content is
// deterministic.
package cfbgen
