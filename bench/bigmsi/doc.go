// Command bigmsi writes a large installer package for the benchmarks:
// testdata/sample.msi with one extra stream of -mib MiB, so that the
// package is dominated by cabinet data as real large packages are.
//
// Without -files the stream is pseudo-random bytes (bench/msi-repack.sh,
// bench/sign.sh: what matters there is copying and hashing streams). With
// -files N it is a real cabinet, big.cab, of N files the package installs
// below INSTALLDIR/big (File, Component, Directory and Media rows added),
// the first a .NET DLL with a version resource at its end
// (bench/sbom.sh and msi/sbom's BenchmarkReadBig: every byte is decoded,
// hashed and, for the DLL, parsed). With -cab FILE the stream is that
// cabinet, each of its files installed as INSTALLDIR/big/NAME under its
// name in the cabinet, which is also its File key (bench/extract-big.sh: the cabinets of bench/cab.sh in a package, for
// msikit extract against msiextract).
//
//	go run ./bench/bigmsi -o big.msi -mib 420
//	go run ./bench/bigmsi -o big-files.msi -mib 420 -files 4
//	go run ./bench/bigmsi -o lzx.msi -cab lzx.cab
package main
