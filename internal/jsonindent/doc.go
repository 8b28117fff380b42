// Package jsonindent writes Go values as indented JSON text, byte for byte
// what encoding/json's MarshalIndent(v, prefix, "  ") writes, without
// building the value's text in memory and then indenting it: the text
// goes straight to a bufio.Writer, field by field.
//
// It is for the reports that quote package data (msikit audit --json,
// the SBOM documents of package msi/sbom), where one string the package
// stores once can appear in every row of a table: a string of 256 bytes
// or more (32 or more when it is not plain ASCII) is escaped once per
// Encoder and its escaped form reused (remembered by where its bytes are
// and how long it is, as long as the Encoder lives, up to 16 MiB of
// strings at a time, and 1 MiB of those under 256 bytes, which are most
// often texts made for one value), so a long string repeated a thousand
// times costs a thousand copies, not a thousand escapings. Strings must
// not change while the Encoder is in use (a string made with
// unsafe.String over a buffer that is then overwritten would be written
// as it was first seen). Options.NoMemo turns the memo off, for documents
// whose long strings are each written once.
//
// The Encoder handles booleans, integers, strings, structs (json tags with
// omitempty), pointers, interfaces, slices and maps with string keys
// (sorted, as encoding/json sorts them); anything else (other maps,
// floats, byte slices, embedded fields, types with their own MarshalJSON
// or MarshalText, ",string" and ",omitzero" tags) is handed to
// encoding/json, which writes it as it always does.
package jsonindent
