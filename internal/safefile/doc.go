// Package safefile writes files atomically: the content goes to a temporary
// file in the destination's folder and is renamed over the destination only
// when everything succeeded. A failure at any point, including the process
// being killed, leaves the destination as it was (or absent) and, except
// after a kill, removes the temporary file.
//
// Write does not flush to stable storage, like cp: after a power cut the
// new file may be empty or short on some file systems, but whatever the
// caller's input was is still there to redo the work. WriteSync flushes the
// file before the rename and the folder after it, so the destination is the
// old or the new content even across a power cut; it is what callers use
// when the rename replaces the only copy of something (an input rewritten
// in place) or when asked for durability.
//
// The destination is replaced, never written into: one that is a named
// pipe, a device or a socket is refused (NotRegularTargetError), since
// the rename would replace it rather than write to it (-o /dev/null run
// as root would replace the system's), and so is a folder, and so is the
// regular file the process's standard input, output or error is open on
// (StdioTargetError: -o /dev/stdout with standard output redirected to
// a file would replace that file, losing what ">>" appends to).
//
// A Dir writes a whole folder of new files (an export) the same way: into a
// hidden temporary folder that is renamed, or merged, into place at the
// end, with no per-file temporary file, flush or rename.
//
// OpenBeside (a Folder, for many names) is the one rule for reading a file
// that package data names beside the package (an external cabinet, the
// next cabinet of a set), and OpenRegular the one for opening a file read
// at offsets: regular files only, never waiting on a named pipe.
package safefile
