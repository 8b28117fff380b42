// Package msi reads and writes Windows Installer databases (.msi, .msm,
// .msp, .mst) stored in Compound File Binary containers (package cfb):
// the string pool, tables, rows, values, streams and summary information.
//
// Open (or NewDatabase, NewDatabaseOptions with ReadOptions limits) parses
// the container, the string pool and the schema; a table's rows are
// decoded on its first Database.Table call, streams only when opened.
// Kind tells installers, merge modules, patches and transforms apart.
// Reading methods may be called from several goroutines; edits need
// exclusive access.
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
// A Value is a cell: its zero value is null, Kind tells null, integer,
// string and binary apart, String gives the text msiinfo export prints.
// Strings are decoded from the database codepage to UTF-8 and keep their
// stored bytes (Value.Bytes) through a rewrite.
//
// Table.Insert, Update and DeleteFunc, Database.CreateTable, DropTable,
// LoadRows (a whole table at once, for importers), SetStream and
// SetCodepage edit the database, checking what the schema (and, after
// SetStrict, _Validation) demands; refused edits are *ValueError. An edit
// whose value the written database could not keep is refused when it is
// made, not when the database is written: table and column names that
// are not UTF-8 or that the codepage cannot represent; stream names
// holding NUL, longer than a compound file allows, or differing
// only in case from another stream's (the compound file would hold the
// two as one entry), including the stream a key change renames.
// Database.Write writes it, re-encoding only the changed tables and
// copying every other stream byte for byte; Save writes a path atomically
// and reads it back first. A changed signed package is refused with
// ErrSigned unless WriteOptions.DropSignature is set.
//
// Package msi/idt reads and writes tables as IDT text, msi/install
// resolves the install layout and extracts files, msi/authenticode signs
// and verifies signatures, msi/validate runs the ICE rules.
//
// Malformed input gives errors matching ErrFormat (a *FormatError naming
// the stream or table and the offset), never a panic; every count is
// checked against the data it comes from, and nothing larger than the
// file (or ReadOptions.MaxStreamBytes) is read into memory. A write whose
// source file fails under a stream it copies gives a *StreamWriteError
// naming the table (and the column and row at the offset) or the stream,
// not the stream's encoded name.
package msi
