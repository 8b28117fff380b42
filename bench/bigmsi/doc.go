// Command bigmsi writes a large installer package for the repack
// benchmark (bench/msi-repack.sh): testdata/sample.msi with one extra
// stream, a pseudo-random "cabinet" of -mib MiB, so that the package is
// dominated by cabinet data as real large packages are.
//
//	go run ./bench/bigmsi -o big.msi -mib 420
package main
