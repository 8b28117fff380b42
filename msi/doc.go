// Package msi reads and writes Windows Installer databases (.msi, .msm,
// .msp, .mst) stored in Compound File Binary containers (package cfb).
//
// # Reading
//
// Open (or NewDatabase over an io.ReaderAt, NewDatabaseOptions with
// limits) parses the container, the string pool (_StringPool/_StringData),
// _Tables and _Columns. Table rows are decoded lazily, on the first
// Database.Table call for that table (on a database with four 100,000-row
// tables, Open takes about a third of the time of decoding everything, so
// tools that read a few tables do not pay for the rest); streams are never
// read until opened. Kind tells installer databases, merge modules,
// patches and transforms apart (PackageKind: root CLSID, plus the
// ModuleSignature table for merge modules). Reading methods may be called
// from several goroutines; edits need exclusive access.
//
//	db, err := msi.Open("product.msi")
//	...
//	for _, name := range db.TableNames() {
//		t, err := db.Table(name)
//		...
//		for row := range t.Rows() {
//			fmt.Println(row.Get("Property").Str(), row.At(1))
//		}
//	}
//
// A Table has Columns (Name, Type, Size, Nullable, Key, Localizable,
// Number) and Rows; Lookup finds a row by primary key. Column.IDTType
// gives the IDT type ("s72", "L0", "I2", "v0") exactly as msiinfo export
// prints it. A Value is a cell: its zero value is null; Kind tells null,
// integer, string and binary apart; String gives the text msiinfo export
// prints. Strings are decoded from the database codepage (0, 874, 932,
// 936, 949, 950, 1250–1258, 65001) to UTF-8; Value.Bytes gives the stored
// bytes, and a rewrite keeps them byte for byte. Binary cells name a
// stream "Table.Key1.Key2"; Row.OpenStream opens it.
//
// Database.Streams lists the non-table streams with their decoded names,
// Database.OpenStream opens one, Database.Storages lists sub-storages
// (embedded transforms of patches). The read-only views _Streams and
// _Storages, and the system tables _Tables and _Columns, are available
// through Database.Table.
//
// For a transform (.mst) TableNames lists the tables it changes; its
// tables hold change records and Table returns an *UnsupportedError.
//
// # Editing and writing
//
// Database.CreateTable and DropTable change the schema; Table.Insert,
// Update and DeleteFunc change rows after checking arity, types, nulls,
// string lengths, the codepage and primary-key uniqueness (and, after
// SetStrict(true), the _Validation table); LoadRows replaces a whole
// table's rows at once, with the same checks, for importers. Refused edits
// return a *ValueError naming the table, column and key. SetStream and
// DeleteStream change streams; SetStream reads its io.ReaderAt only when
// the database is written or the stream is opened (OpenStream and
// Row.OpenStream see the database as edited). SetCodepage changes the
// database codepage, re-encoding every string.
//
// Database.Write (and WriteTo, with the default options) writes the
// package; Save writes it to a path atomically, reads it back before
// renaming it into place and refuses to replace its own input unless
// SaveOptions.InPlace is set (Database.Save says more). Only changed
// tables are re-encoded, rows sorted by primary key as msiexec requires;
// the string pool is rebuilt keeping the ids of the strings that stay, so
// untouched tables and every other stream and storage are copied byte for
// byte. WriteOptions.Compact re-encodes everything (a repack). A changed
// signed package is refused with an error wrapping ErrSigned unless
// WriteOptions.DropSignature is set.
//
// # Related packages
//
// Package msi/idt reads and writes tables as IDT text (msidb, msiinfo
// export, msibuild -i); package msi/install resolves the install layout
// and extracts the files from the cabinets; package msi/authenticode signs
// and verifies the digital signature, whose streams msi only lists
// (Database.Signature) and drops on request.
//
// # Untrusted input
//
// Malformed databases give errors matching ErrFormat (a *FormatError
// naming the stream or table and the offset), never a panic. Every count
// is checked against the size of the stream it comes from, and no stream
// larger than the file (or ReadOptions.MaxStreamBytes) is read into
// memory. Summary information properties may not share values beyond 64
// KiB (each would hold its own copy). Table names Windows Installer
// reserves (_StringPool, _StringData, _Tables, _Columns, _Streams,
// _Storages, _TransformView) cannot be created or loaded.
package msi
