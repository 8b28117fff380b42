// Command streamsgen writes an installer package for the many-streams
// benchmark (bench/streams.sh): testdata/sample.msi with -n rows in its
// Binary table, each with its own stream of -size bytes, as
// BenchmarkExportIDTDirStreams in msi/idt builds it.
//
//	go run ./bench/streamsgen -o streams.msi -n 100000
package main
