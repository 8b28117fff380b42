// Package idt reads and writes the IDT text archive format of Windows
// Installer tables: the files msidb, Orca, msiinfo export and msibuild -i
// exchange, one table per file.
//
// An IDT file is tab-separated text with CR LF line ends: a line of
// column names, a line of column types ("s72", "L255", "i2", "I4", "v0",
// as msi.Column.IDTType writes them), a line with the table name and its
// key columns, then one line per row. Integers are decimal, nulls are
// empty, strings are UTF-8; the control characters that would break the
// format are translated as the Archive File Format documentation says
// (NUL, BS, HT, LF, FF and CR become 0x15, 0x1B, 0x10, 0x19, 0x18 and
// 0x11), and Binary cells name a file <Table>/<cell> beside the IDT file.
// Two pseudo-tables carry what is not a table: _SummaryInformation (the
// summary information properties) and _ForceCodepage (the database
// codepage).
//
// Export writes one table (byte for byte as msiinfo export, except for the
// differences listed in testdata/known-msiinfo-differences.md), ExportDir
// a folder of tables with their binary cell files, Tables lists what a
// full export holds. Import and ImportFile read one table back with the
// semantics of msibuild -i, streaming its rows into the database through
// msi.RowLoader; malformed input is refused with an *Error naming the file
// and line. Importing the rows a table already has, with binary cell files
// that hold the bytes of the rows' streams, leaves the database
// unmodified, so a signed package can be written unchanged.
//
//	db, err := msi.Open("product.msi")
//	...
//	err = idt.Export(os.Stdout, db, "Property", nil)
//	...
//	table, err := idt.ImportFile(db, "Property.idt")
//	...
//	err = db.Save("product-new.msi", nil)
//
// # Untrusted input
//
// Names from the package become file names only through one rule (no
// separators, "..", drive letters, control characters or names Windows
// reserves): ExportDir skips the others and reports each with an error
// matching ErrUnsafeName. An imported line is at most 8 MiB; binary cell
// files are read when the database is written (or compared with the
// streams they would replace, a chunk at a time), never buffered whole,
// and ImportFile refuses symbolic links in the folder it reads them from.
// A file several cells name is stored once per cell, up to MaxCellCopies
// of copies (ErrTooLarge past it); an Importer counts them for all the
// files it imports, so that IDT files naming one file (one table imported
// again and again, or hard links in each table's folder) cannot multiply
// it either.
package idt
