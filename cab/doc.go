// Package cab reads Microsoft Cabinet files (.cab, [MS-CAB]), as found
// embedded in Windows Installer packages or next to them.
//
// NewReader (or OpenReader for a file on disk) reads the cabinet directory:
// Reader.Folders are the compressed streams, Reader.Files the files, each a
// byte range of one folder. File.Open returns a fresh stream of a file's
// contents on every call; Folder.Open streams a whole folder. Decoders are
// stored (no compression), MSZIP (a deflate block per CFDATA block, with
// the 32 KiB history carried from block to block; decoded by a table-driven
// inflater of its own, tested against compress/flate), LZX (windows of
// 2^15 to 2^21 bytes, verbatim, aligned and uncompressed blocks, E8 call
// translation) and Quantum. An unknown method gives an *UnsupportedError.
//
// Decoding state belongs to a folder, so a file is decoded from the start
// of its folder. A Reader keeps a few decoders of files read to their end,
// so reading a folder's files in offset order costs one pass over it. When
// reading a folder fails (a bad checksum or block, data that ends early),
// the failure is remembered: later files that need data at or past that
// point fail at once with an error wrapping the first, instead of decoding
// the folder again from its start.
//
// Cabinet sets: a folder may begin in an earlier cabinet and continue in a
// later one. ReaderOptions.OpenCabinet opens a sibling by the name in the header
// (OpenReader looks in the same directory); without it, data in another
// cabinet gives an error matching ErrMissingCabinet. A block split across
// two cabinets is joined before decoding. Each sibling is opened once and
// shared: Reader.Next returns the next cabinet of the set, and reading the
// cabinets one after the other that way (each one's files in order)
// decodes a folder that runs through them once, however long the set.
//
// Checksums: a CFDATA block whose checksum field is non-zero must match
// it, or reading fails with a *FormatError; a zero field means the writer
// did not compute one (allowed by MS-CAB). ReaderOptions.IgnoreChecksums turns
// verification off, for damaged cabinets.
//
// Reading is hardened for untrusted input: every count and size from the
// file is checked against the data before use, a block may declare at most
// 32 KiB of output and 38 KiB of input, every decoder fills exactly the
// declared size of each block and never more, and memory per open stream
// is bounded by the decoder's history (for LZX two windows and a frame, at
// most 4 MiB for LZX:21) and input buffers (2 × 76 KiB) plus the stream's
// block buffers (under 200 KiB). Time is what the data decodes to, and
// the blocks it is made of: ReaderOptions.Limit bounds both, across
// cabinets and goroutines, against decompression bombs (MSZIP stores
// 32 KiB of zeros in 58 bytes) and folders of tiny blocks (3,300 deflate
// blocks with their own tables in one 38 KB block).
// ReaderOptions.Interrupt is asked before every block whether to go on,
// so a caller with a deadline or a cancelled context stops decoding
// within a block (an *InterruptError), also while bytes are decoded only
// to reach a file.
// Bad input gives an error matching ErrFormat (a *FormatError with the
// byte offset where possible), never a panic, a hang or an unbounded
// allocation. A cabinet cut short (its header claims more bytes than
// exist) still opens with Reader.Truncated set; data past the end fails
// when read.
package cab
