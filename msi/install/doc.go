// Package install says what a Windows Installer package installs and
// where: it resolves the File, Component, Directory and Media tables of an
// msi.Database to install paths, and extracts the files from the
// package's cabinets.
//
// Files iterates over the package's files (File), each with its install
// path below an extraction root, its size, component, directory, source
// path and cabinet. Paths follow the Directory table's target names; the
// standard folders (ProgramFilesFolder, SystemFolder, ...) stand for the
// names 64-bit Windows (LayoutX64, the default) or 32-bit Windows
// (LayoutX86) gives them (StandardFolder). Every path is unique
// case-insensitively, made of safe names and at most MaxPathUnits long;
// Placement says when a file could not go to its install path.
//
// Extract decodes the files, from embedded and external cabinets (read
// with package cab), cabinet sets and uncompressed copies, and passes each
// with its File to a callback; what could not be done is in the Report,
// typed (FileError, CabinetError). ExtractContext is Extract with a
// context: once it is done (cancelled, or past its deadline) decoding
// stops within a cabinet block, on every goroutine and also while bytes
// are decoded only to reach a file, with a *StopError. A Plan (NewPlan)
// resolves the rows once for both: a caller that lists every file and
// then extracts them (msi/sbom) does not resolve the Directory tree
// twice. Cabinets lists the cabinets the Media table names or the
// package embeds, with their directories.
//
//	db, err := msi.Open("product.msi")
//	...
//	files, err := install.Files(db, nil)
//	...
//	for f := range files {
//		fmt.Println(f.Path, f.Size, f.Component, f.Cabinet)
//	}
//
// # Untrusted input
//
// Resolving and extracting cost time and memory linear in the package,
// whatever its Directory chains, Media rows and cabinet sets claim: the
// Directory tree is resolved once, paths are joined one at a time, a
// cabinet named by many Media rows is read once. Names from the package
// become paths only through one rule (no separators, "..", drive letters,
// control characters or names Windows reserves): files whose names break
// it are refused (ErrUnsafePath), never written. Options.MaxBytes bounds
// what Extract delivers; Options.MaxRatio bounds what it decodes, by
// default 100 times the cabinets' bytes plus 256 MiB, against
// decompression bombs; external cabinets are looked up only inside
// Options.SourceDir. A caller with a deadline passes it to ExtractContext:
// the bounds keep a file to seconds, the context stops it sooner.
package install
