// Command cabgen writes a large cabinet for the decoding benchmarks
// (bench/cab.sh) out of the folders of smaller ones: the compressed
// CFDATA blocks of every folder of the given cabinets that uses the
// chosen method are copied, unchanged and round-robin, into the folders of
// one new cabinet until it holds at least -mib MiB of uncompressed data.
// Each folder gets one file spanning all of it.
//
// No tool on a Linux machine writes LZX cabinets (gcab writes stored and
// MSZIP ones only), so the LZX benchmark input is built from the LZX:21
// folders that Microsoft's cabinet compressor wrote into real packages:
// real compressed data, but in folders of a few MiB rather than one long
// stream.
//
//	go run ./bench/cabgen -o big-lzx.cab -method LZX:21 -mib 200 a.cab b.cab
package main
