package msi

import (
	"bytes"
	"strconv"
)

// ValueKind is the kind of a Value.
type ValueKind uint8

// The kinds of values.
const (
	KindNull   ValueKind = iota // no value (an empty cell)
	KindInt                     // an integer (Int16 and Int32 columns)
	KindString                  // text (String columns)
	KindBinary                  // a stream (Binary columns); Str is the stream name
)

// String returns the kind's name.
func (k ValueKind) String() string {
	switch k {
	case KindNull:
		return "Null"
	case KindInt:
		return "Int"
	case KindString:
		return "String"
	case KindBinary:
		return "Binary"
	}
	return "ValueKind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one cell of a table. The zero Value is null.
//
// Strings read from a database remember their place in the string pool,
// so that writing them back reproduces their original bytes exactly, even
// when they do not decode cleanly in the database's codepage.
type Value struct {
	kind ValueKind
	n    int32
	s    string
	p    *stringPool // pool holding the original bytes of s, or nil
	id   uint32      // id of s in p
}

// Null is the null Value (the zero Value).
var Null Value

// IntValue returns an integer Value. It is never null: IntValue(0) is a
// stored 0, while the zero Value is null. A 2-byte column accepts
// -32767..32767 and a 4-byte column every int32 but math.MinInt32 (-32768
// and math.MinInt32 would encode as the on-disk null); Insert and Update
// check the range.
func IntValue(n int32) Value { return Value{kind: KindInt, n: n} }

// StrValue returns a string Value. The empty string is null in a
// database, so StrValue("") is Null.
func StrValue(s string) Value {
	if s == "" {
		return Value{}
	}
	return Value{kind: KindString, s: s}
}

// BinaryValue returns a Value for a Binary column that says "a stream is
// present". The stream's bytes are set with Database.SetStream under the
// name "Table.Key1.Key2…".
func BinaryValue() Value { return Value{kind: KindBinary} }

// Kind returns the kind of v.
func (v Value) Kind() ValueKind { return v.kind }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.kind == KindNull }

// Int returns the integer of an Int value, else 0.
func (v Value) Int() int32 { return v.n }

// Str returns the text of a String value, the stream name of a Binary
// value read from a table, else "".
func (v Value) Str() string { return v.s }

// Bytes returns a copy of the bytes a String value has in the database's
// codepage (the exact stored bytes for strings read from a database), or
// nil when v is not a string read from a database.
func (v Value) Bytes() []byte {
	if v.kind == KindString && v.p != nil {
		return bytes.Clone(v.p.raw(v.id))
	}
	return nil
}

// String returns v as IDT files and msiinfo export show it (before IDT
// escaping): "" for null, decimal for integers, the text for strings and
// the stream name ("Table.Key1.Key2") for binary cells.
func (v Value) String() string {
	switch v.kind {
	case KindInt:
		return strconv.Itoa(int(v.n))
	case KindString, KindBinary:
		return v.s
	}
	return ""
}

// Equal reports whether v and w hold the same kind and content.
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case KindInt:
		return v.n == w.n
	case KindString:
		if v.p != nil && v.p == w.p && v.id == w.id {
			return true
		}
		return v.s == w.s
	}
	return true
}
