// Package extractgen writes the installer packages of the extraction
// benchmarks: msi/install's BenchmarkExtract and, through the
// bench/extractgen command, bench/extract.sh and bench/extract-big.sh.
package extractgen
