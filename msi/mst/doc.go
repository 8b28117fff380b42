// Package mst reads, applies and generates Windows Installer transforms
// (.mst) and reads and applies the database part of patches (.msp).
//
// A transform is a compound file of change records against a base
// database: one stream per changed table whose records insert, update
// (the columns a 16-bit mask names) or delete rows, _Tables and _Columns
// records that create or drop tables and append columns, one stream per
// binary cell it sets, its own string pool and codepage, and summary
// information whose PID 16 holds the validation checks (high word) and
// the error conditions to suppress (low word). Windows Installer applies
// transforms at install time (msiexec /i base.msi TRANSFORMS=fix.mst),
// leaving the base package, and its signature, untouched. A patch carries
// transforms in pairs (X and #X) plus the cabinets their new Media rows
// name.
//
// Reading: Open, OpenEmbedded (a substorage such as ":1031") or New give
// a Transform; Transform.Decode turns its records into Changes against a
// base database (the record layout depends on the base's columns), and
// WriteText shows Changes as rows keyed by primary key. OpenPatch and
// NewPatch read a patch: its targets, transforms in order, metadata and
// sequence.
//
// Applying: Apply checks the transform's validation flags against the
// database (ProductCode, UpgradeCode, version, language, platform; a
// ValidationError names the check that fails) and applies its records,
// honouring the error conditions (a ConditionError for one that is not
// suppressed). ApplyPatch applies the first transform pair of a patch
// made for the database's product and copies its cabinets (never its
// "\x05" streams, such as its signature); file contents
// a patch delivers as binary deltas are not applied, and the report says
// so.
//
// Generating: Diff computes the Changes between two databases (tables
// created and dropped, non-key columns appended, rows inserted, updated
// and deleted, binary cells, the codepage) and lists what a transform
// cannot carry in Changes.Unexpressible (summary information, streams
// that are not binary cells, removed or redefined columns, updates past
// the 16th column). NewSummary fills the summary information Windows
// Installer reads (PIDs 7, 8, 9, 14 and 16); Write encodes the transform
// and Save writes it to a file atomically, reading it back first.
//
// Oracles: for related corpus packages apply(A, Diff(A, B)) reproduces B
// table for table, Wine's msi.dll (MsiDatabaseApplyTransformW) applies
// the generated transforms to the same tables, every real transform and
// patch in the corpus applies as Wine applies it, and Wine's msiexec
// installs a package with a generated transform as it installs the
// target. Wine reads the validation flags from the low word of PID 16
// (the documentation and every real transform put them in the high
// word), so Wine is not the reference for that field.
//
// Hostile input: every malformed record is an error matching
// msi.ErrFormat that names the table or stream and the offset, and the
// work a transform or a diff may ask for (the string bytes read, hashed
// or copied: a long pooled string that many cells name once, a key looked
// up each time) is bounded by the size of the files involved (ErrLimit).
package mst
