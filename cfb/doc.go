// Package cfb reads and writes Compound File Binary (CFB) files, the
// container format of Windows Installer packages (.msi, .msm, .msp, .mst)
// and other OLE structured storage files, as described in [MS-CFB].
//
// NewReader (or OpenReader) parses the header, the allocation tables and
// the directory once and checks every chain. Reader.Entries lists the
// entries in pre-order, Reader.Lookup finds one by its "/"-joined path,
// and Entry.Open returns a fresh *Stream on each call; stream bytes are
// read only when asked for. Entries keep what is on disk exactly: raw
// UTF-16 names, FILETIME ticks, CLSIDs and state bits.
//
// The reader is meant for untrusted input: counts from the file are
// checked against its size before anything is allocated, ReaderOptions
// bounds the entries and the nesting, and malformed input gives an error
// matching ErrFormat (a *FormatError with the offset and entry path),
// never a panic or a hang. Recoverable oddities are accepted and listed
// in Reader.Warnings.
//
// NewWriter returns a Writer that collects storages and streams and lays
// out the whole file at Close, so a plain io.Writer suffices. Stream bytes
// given as an io.ReaderAt are copied through at Close, never held whole,
// and Writer.Copy passes entries of a Reader through with their metadata.
// The same entries give the same bytes whatever order they were added in.
//
// [MS-CFB]: https://learn.microsoft.com/openspecs/windows_protocols/ms-cfb
package cfb
