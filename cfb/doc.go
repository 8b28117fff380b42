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
// NewWriter collects entries (Create, CreateFrom, CreateHeaderFrom, Mkdir,
// MkdirHeader, Copy, SetRoot) and plans the whole layout at Close, so a
// plain io.Writer suffices. Stream data given as an io.ReaderAt
// (CreateFrom, Copy) is read at Close and copied through in chunks, never
// held whole. Version 3 (512-byte sectors) is the default; the writer
// switches to version 4 when the content does not fit version 3, or when
// asked. Streams under 4096 bytes go to the mini stream. Output is
// deterministic: the same entries give the same bytes.
//
// [MS-CFB]: https://learn.microsoft.com/openspecs/windows_protocols/ms-cfb
package cfb
