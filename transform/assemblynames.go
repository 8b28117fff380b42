package transform

import (
	"context"
	"io"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform/internal/assemblynames"
	"github.com/msikit/msikit/transform/internal/edit"
)

// AssemblyNamesOptions configures AssemblyNames. The zero value reads each
// assembly out of the package's own cabinets and applies no fallback.
type AssemblyNamesOptions struct {
	// Open returns the contents of the file with the given File table
	// key. If the returned io.ReaderAt is also an io.Closer it is closed
	// after use. An error wrapping fs.ErrNotExist means "not available
	// here": Source is then tried. When Open is nil, files are read from
	// the package's own cabinets (embedded, or beside a package opened
	// from a path) with install.Extract, every file the rows need
	// in one pass over the cabinets; to read only from Source, set an
	// Open that returns fs.ErrNotExist.
	Open func(fileKey string) (io.ReaderAt, int64, error)

	// MaxFileBytes bounds the size of one file the default Open reads out
	// of the package (it holds the file in memory while parsing it);
	// 0 means 64 MiB. Larger files are reported as unreadable.
	MaxFileBytes int64

	// MaxRatio bounds the decompression of the default Open, against
	// decompression bombs, as install.Options.MaxRatio does (0 means
	// install.DefaultMaxRatio, a negative value no bound): a file not
	// read past it is reported as unreadable, with the *install.RatioError.
	MaxRatio int

	// Context, if not nil, stops reading the package's files (the
	// default Open) once it is done: decoding stops within a cabinet
	// block (install.ExtractContext) and the pass returns an error
	// matching ctx.Err(), leaving the database unchanged. nil means
	// context.Background: the pass runs to its end.
	Context context.Context

	// Source, if set, is a folder holding the package's files. A file is
	// looked up, first match wins, as
	//   Source/<source path>  (an administrative image or an uncompressed
	//       package's tree: msi's InstallFile.SourcePath, from the
	//       Directory table's source names, long or short as the summary
	//       information says),
	//   the same folder with the long name, then the short name,
	//   Source/<File key>  (a cabinet extracted as is, e.g. gcab -x),
	//   Source/<long name>  (a flat folder).
	// Paths that would leave Source are never opened. Only the files the
	// package's cabinets lack (or, with Open, the files it says are not
	// there) are looked for below Source.
	Source string

	// SourceRead, if not nil, is called with the path (Source joined
	// with the candidate found) of each file the pass opens below
	// Source, before reading it: a caller that writes below Source
	// learns which of its files the pass read.
	SourceRead func(path string)

	// ProcessorArchitecture is the fallback for .NET rows whose file cannot
	// be read: rows lacking processorArchitecture, or holding an invalid
	// value such as "neutral", get this value and the report says they were
	// guessed. "" means no fallback. Valid values: MSIL, x86, AMD64, IA64,
	// ARM, ARM64.
	ProcessorArchitecture string

	// FileVersion adds a fileVersion attribute, from the file's version
	// resource, to .NET assemblies whose rows lack one (what WiX's light -fv
	// does). Existing fileVersion rows are checked either way.
	FileVersion bool

	// Force overwrites authored values that are valid but differ from the
	// file's metadata. Without it such rows are left alone and reported.
	Force bool

	// AllowSigned lets the pass change a digitally signed package. Without
	// it a signed package that would change is refused with an error
	// wrapping msi.ErrSigned, and left untouched.
	AllowSigned bool
}

// AssemblyNames completes the MsiAssemblyName rows of every MsiAssembly
// from the assembly files themselves. For a .NET assembly (Attributes 0)
// it reads the component's key file (else File_Manifest): Name, Version,
// Culture ("neutral" when empty), PublicKeyToken and processorArchitecture
// from the CLI metadata and, with FileVersion, fileVersion from the version
// resource. For a Win32 assembly (Attributes 1) it reads File_Manifest's
// assemblyIdentity: type, name, version, processorArchitecture,
// publicKeyToken and language.
//
// Missing or empty attributes are added, invalid ones (processorArchitecture
// "neutral", a malformed version or token) are replaced, and correct ones
// are left alone; comparisons ignore case, and versions compare by number
// ("11.0.0.00000000" equals 11.0.0.0). A valid value that differs from the
// file is reported and kept unless Force is set. Attributes the row has and
// the file lacks are reported, never removed. When a file cannot be read
// the report says why, and the ProcessorArchitecture fallback is applied
// to .NET rows that need it, reported as guessed.
//
// The database is edited in memory; the caller saves it.
func AssemblyNames(db *msi.Database, opts AssemblyNamesOptions) (*Report, error) {
	// The notes go straight into the report, not into the log first
	// (780,000 notes of the MsiAssembly rows of one component).
	sink := &reportSink{}
	log, err := assemblynames.RunTo(db, assemblynames.Options(opts), &edit.Log{Sink: sink, NoteSink: sink})
	return sink.report("assembly-names", log), err
}
