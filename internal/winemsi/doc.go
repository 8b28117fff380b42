// Package winemsi drives Wine's msi.dll from tests: an independent
// Windows Installer implementation to check msikit's reading, applying
// and generating of transforms (.mst) and patches (.msp), its exports,
// merges and darwin descriptors against.
//
// A small C program, tool/winemsi.c (embedded), is built once with
// Debian's MinGW (x86_64-w64-mingw32-gcc ... -lmsi -lole32 -lshell32 -luuid) into a cache
// folder keyed by the hash of its source, flags and compiler version, and
// runs headless under 64-bit wine in a prefix set up by
// internal/wineoracle (booted once, then shared by every test process;
// both live in CacheDir). Tests that use it skip with a message when MinGW
// or Wine is missing, or in -short mode, and fail instead under
// MSIKIT_REQUIRE_ORACLES=1. Every call runs one process with a time limit
// (CallTimeout) and takes about 0.5 s on a warm prefix.
//
// Run a Script for full control (one process, one database handle, any
// sequence of open, apply, query, export, merge, import, commit), or use
// the helpers: Export, Apply, ExportTransformed, ApplyPatch, Query,
// Tables, View (the _TransformView of a transform), SummaryInfo,
// Storages, Extract, PatchTransforms, GenerateTransform, Merge and
// DecomposeDescriptor. Inputs are opened read-only or copied first; they
// are never modified.
//
// # What Wine 8.0's msi.dll does differently
//
// Each point was observed with this tool (the tests in this package check
// the ones that can be checked on the corpus); where the Windows
// documentation says otherwise, the documentation wins.
//
//   - MsiDatabaseGenerateTransformW is a stub: it returns
//     ERROR_CALL_NOT_IMPLEMENTED (120) for equal and for different
//     databases and writes no file. MsiCreateTransformSummaryInfoW returns
//     ERROR_FUNCTION_FAILED (1627). Wine cannot generate transforms; it
//     can only apply and show them.
//   - MsiDatabaseApplyTransformW ignores the error-condition flags: a
//     transform applies the same with 0 and with every flag, and never
//     fails on a record that does not match the base. A delete record
//     (mask 0) whose row is missing is applied as an insert of its key
//     alone, which fails silently when another column is not nullable (the
//     psmsi-Example.mst delete of Directory "Deleted") and succeeds
//     otherwise: its _Tables delete of "AppId", a table the base lacks,
//     creates an empty table AppId without columns, whose export then
//     fails with ERROR_BAD_QUERY_SYNTAX (Export reports it in an
//     ExportError). In transform view mode those records show as INSERT
//     and CREATE instead of DELETE and DROP. An update of a missing row is
//     inserted with the columns the record has. Records for a table the
//     base lacks and the transform does not create are skipped.
//   - When it applies the transforms of a patch in an installation
//     session, Wine takes the validation flags from the low 16 bits of
//     PID 16 (it logs "validation flags 0x001f" for the corpus patch
//     transforms whose PID 16 is 0x0922001F); the documentation (Character
//     Count Summary property) puts the validation flags in the high word
//     and the error conditions in the low word, which is what WiX and the
//     corpus transforms do. Transforms given by TRANSFORMS= are applied
//     without any validation. This package's ApplyPatch applies every
//     transform of the patch without validation, and without the Media
//     and File renumbering of a patch installation.
//   - MsiDatabaseExportW writes text in the process's ANSI codepage, not
//     the database's: characters outside it become '?'. Export therefore
//     runs the tool with the ANSI codepage of the database (LC_ALL=he_IL
//     for 1255 and so on) and converts the IDT files to UTF-8; text in a
//     codepage Wine cannot run with (65001, or a neutral database holding
//     non-ASCII bytes) is read as 1252. Query returns lossless values.
//   - Binary cells export as TABLE/KEY (the cell holds KEY), where msiinfo
//     and msikit write TABLE/TABLE.KEY.
//   - _SummaryInformation export writes only the properties whose ID is
//     lower than the number of properties present (Wine loops over IDs 0
//     to count-1), so PIDs 14, 15, 18 and 19 are usually missing and
//     sometimes 13; with no properties at all (psmsi-test.cub) it fails
//     with ERROR_FUNCTION_FAILED. Use SummaryInfo, which reads every
//     property.
//   - One-byte integer columns (type i1/I1) read as msiinfo reads them
//     (2 bytes, 4-byte sign flip: 6 becomes -2147450874); see
//     testdata/known-msiinfo-differences.md at the repository root.
//   - Control characters in string values (a line break in a
//     CustomAction's script, say) are written raw, as msiinfo writes them;
//     msikit writes them as the Archive File Format translates them (LF as
//     0x19, CR as 0x11, HT as 0x10...; same file).
//
// Everything else matched: on the shared corpus, every table of every
// package exports byte for byte as "msikit export -d" writes it, once the
// points above are allowed for.
//
// # For issue 20 (ICE validation) and issue 21 (descriptors)
//
// Merge is MsiDatabaseMergeW as is: Wine's merge drops the data of binary
// streams and skips every table with a conflicting row, so a cub merge
// for ICE validation must copy Binary rows with their streams and insert
// the non-conflicting _Validation and Property rows itself (msi/validate's
// Wine test does the merge with msikit). Script.ICE runs one ICE custom
// action in an installation session opened on the current database, as
// msival2 does, and collects its messages; the 32-bit ICE DLLs need
// Wine's 32-bit side (Have32Bit), without which MsiDoAction hangs, so
// run each ICE with RunWithin and a time limit. DecomposeDescriptor is
// msi.dll's own descriptor parser, an oracle for the descriptor codec
// (msi/darwin); Script.Decompose is the same without stopping on a
// descriptor msi.dll rejects. Script.MakeLink and Script.ReadLink write
// and read shell links with shell32's IShellLinkW, an oracle for
// msi/darwin's .lnk reader. Wine 8.0's IShellLinkDataList::AddDataBlock
// is a stub (E_NOTIMPL), so MakeLink gives a darwin identifier to
// SetPath in the shell's advertise form
// "::{9DB1186E-40DF-11D1-AA8C-00C04FB67863}:ID::", which Wine saves as an
// EXP_DARWIN_LINK block; and Wine's msiexec installs advertised shortcuts
// as plain links to their target, without a darwin block.
package winemsi
