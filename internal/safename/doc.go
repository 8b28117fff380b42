// Package safename decides whether a name taken from package data (a table
// name, a binary cell's stream name, a Directory or File name, a cabinet
// member) may be used as one element of a path on the local file system.
//
// Package data is untrusted: a name made of "../" segments, an absolute or
// drive path, a control character or a name Windows cannot create would let
// a hostile package write outside the folder it was given, hide files from
// a scanner, or produce an output tree that cannot be copied to Windows.
// Every command that turns package data into file names calls Check on each
// element, whatever the output format.
package safename
