// Package jsonexport writes the tables of a database as JSON, the form
// "msikit export -f json" prints: for each table
//
//	{"name": ..., "codepage": N (only _ForceCodepage), "columns": [{"name", "type", "key"}], "rows": [[...], ...]}
//
// with cells as null, numbers or strings (binary cells: their stream
// name), and the pseudo-tables _SummaryInformation (PropertyId, Value) and
// _ForceCodepage. The text is byte for byte what encoding/json's Encoder
// with two-space indentation writes for that document, but it is written
// row by row as the table is read: memory does not grow with the output,
// however often the rows repeat one long string.
package jsonexport
