// Package cab reads Microsoft Cabinet files (.cab), as found embedded in
// Windows Installer packages: stored, MSZIP, LZX and Quantum folders, files
// spanning several cabinets, and per-block checksums.
//
// Reading is hardened for untrusted input: every count and size from the
// file is checked against the data, every decoder is bounded (a block
// never yields more than its declared size of at most 32 KiB), and bad
// input produces an error matching ErrFormat (usually a *FormatError with
// the offset), never a panic, a hang or an unbounded allocation.
package cab
