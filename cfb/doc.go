// Package cfb reads and writes Compound File Binary (CFB) files, the
// container format of Windows Installer packages (.msi, .msm, .msp, .mst)
// and other OLE structured storage files, as described in [MS-CFB].
//
// # Reading
//
// NewReader (or OpenReader) parses the header, the allocation tables (FAT,
// DIFAT, mini FAT) and the directory once, and checks every chain: it must
// be acyclic, lie inside the file and be long enough for the declared size.
// Each stream is then described by a list of extents, so reading any part
// of a stream costs a binary search, never a FAT walk. Reader.Entries lists
// every entry in pre-order (children in CFB name order), Reader.Lookup finds
// one by its "/"-joined path, and Entry.Open returns a fresh *Stream
// (io.Reader, io.ReaderAt, io.Seeker) on each call; concurrent ReadAt calls
// are safe. Stream bytes are only read when asked for.
//
// The reader is meant for untrusted input. Every count from the file is
// checked against the file's size before anything is allocated, the
// directory is walked iteratively with a visited set, and ReaderOptions
// sets budgets for the number of entries (DefaultMaxEntries) and the
// nesting depth (DefaultMaxDepth). Malformed input gives an error matching
// ErrFormat (a *FormatError with the offset and entry path), never a panic
// or a hang. Real files are messy, so recoverable oddities (a partial last
// sector, a FAT longer than the file, a truncated stream, odd version
// fields) are accepted and described in Reader.Warnings.
//
// Entries keep what is on disk exactly: RawName holds the UTF-16 name units
// (Name is their decoded form), Created and Modified are raw FILETIME ticks,
// and CLSID and StateBits are kept for streams as well as storages.
//
// # Writing
//
// NewWriter returns a Writer that collects entries and plans the whole
// layout at Close, so a plain io.Writer suffices:
//
//   - Mkdir(path, h) and MkdirHeader(parentPath, h) add storages;
//   - CreateFrom(path, r, size) and CreateHeaderFrom(parentPath, h, r, size)
//     add streams whose bytes are read from an io.ReaderAt at Close and
//     copied through in chunks, never held whole;
//   - Create(path) and CreateHeader(parentPath, h) return an io.Writer for a
//     small stream buffered in memory;
//   - Copy(e) passes through a stream, a storage subtree or (for the root)
//     the whole file from a Reader, with names, CLSIDs, state bits, times
//     and bytes;
//   - SetRoot(h) sets the root's CLSID, state bits and times.
//
// Paths are "/"-separated names below the root; missing parent storages are
// created with zero metadata. The Header variants take exact names (RawName)
// and so reach names that contain "/". Sibling names must differ under CFB
// comparison (case-insensitive).
//
// Version 3 (512-byte sectors) is the default; the writer switches to
// version 4 (4096-byte sectors) when a stream exceeds version 3's 2 GiB
// limit or the sector count does not fit, or when WriterOptions asks for
// it. Streams under 4096 bytes go to the mini stream, DIFAT sectors are
// added when the FAT needs more than 109 sectors, and each storage's
// children form a balanced red-black tree in CFB name order. Output is
// deterministic: the same entries give the same bytes whatever order they
// were added in. When a Stream of a file is copied into an *os.File, Linux
// moves the bytes inside the kernel (sendfile).
//
// [MS-CFB]: https://learn.microsoft.com/openspecs/windows_protocols/ms-cfb
package cfb
