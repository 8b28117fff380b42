package msi

import (
	"fmt"
	"strconv"

	"github.com/msikit/msikit/internal/clip"
)

// ColType is the storage type of a column.
type ColType uint8

// The column types. ColBinary columns hold streams: the cell only records
// that a stream named "Table.Key1.Key2…" exists.
const (
	ColInt16  ColType = iota + 1 // 2-byte integer ("i2")
	ColInt32                     // 4-byte integer ("i4")
	ColString                    // string ("s72", "l0", ...)
	ColBinary                    // stream ("v0")
)

// String returns "Int16", "Int32", "String" or "Binary".
func (t ColType) String() string {
	switch t {
	case ColInt16:
		return "Int16"
	case ColInt32:
		return "Int32"
	case ColString:
		return "String"
	case ColBinary:
		return "Binary"
	}
	return "ColType(" + strconv.Itoa(int(t)) + ")"
}

// Bits of a column type in _Columns.
const (
	typeValid       = 0x0100
	typeLocalizable = 0x0200
	typeNonBinary   = 0x0400
	typeString      = 0x0800
	typeNullable    = 0x1000
	typeKey         = 0x2000
	typeTemporary   = 0x4000
	typeUnknown     = 0x8000
)

// Column describes one column of a table.
type Column struct {
	Name        string
	Type        ColType
	Size        int  // maximum string length (0 = unlimited); 2 or 4 for integers; 0 for binary
	Nullable    bool // null (empty) values allowed
	Key         bool // part of the primary key
	Localizable bool // string column marked for localization
	Number      int  // 1-based position in the table

	raw uint16 // type bits as read from _Columns (0 for new columns)
}

// columnFromBits decodes the _Columns type value of a column.
func columnFromBits(bits uint16) (Column, error) {
	c := Column{raw: bits}
	c.Nullable = bits&typeNullable != 0
	c.Key = bits&typeKey != 0
	size := int(bits & 0xff)
	switch {
	case bits&^typeNullable == typeString|typeValid:
		// Binary: a string column without the non-binary bit and size 0.
		c.Type = ColBinary
	case bits&typeString != 0:
		c.Type = ColString
		c.Size = size
		c.Localizable = bits&typeLocalizable != 0
	default:
		switch size {
		case 1, 2:
			// Size 1 is stored like size 2 (WiX writes "I1" columns).
			c.Type = ColInt16
			c.Size = size
		case 4:
			c.Type = ColInt32
			c.Size = 4
		default:
			return c, fmt.Errorf("integer column of size %d (type 0x%04x)", size, bits)
		}
	}
	return c, nil
}

// ColumnFromType decodes a column type as _Columns stores it (the cell's
// value, after the 0x8000 bias is removed): 0x2D48 is a key string of 72
// characters, 0x1502 a nullable 2-byte integer, 0x1900 a nullable binary
// column. Name and Number are left zero. A type no column can have (an
// integer of 3 bytes, no valid bit...) is an error.
func ColumnFromType(bits uint16) (Column, error) {
	return columnFromBits(bits)
}

// TypeBits returns the _Columns type value of c (without the 0x8000
// bias): the value it was read with when it was read from a file and not
// changed, else one computed from its fields.
func (c Column) TypeBits() uint16 { return c.bits() }

// bits returns the _Columns type value for c: the original value when c
// was read from a file and not changed, else one computed from its fields.
func (c Column) bits() uint16 {
	if c.raw != 0 {
		if d, err := columnFromBits(c.raw); err == nil && d.sameShape(c) {
			return c.raw
		}
	}
	var b uint16 = typeValid
	switch c.Type {
	case ColInt16:
		b |= typeNonBinary | 2
	case ColInt32:
		b |= typeNonBinary | 4
	case ColString:
		b |= typeNonBinary | typeString | uint16(c.Size&0xff)
		if c.Localizable {
			b |= typeLocalizable
		}
	case ColBinary:
		b |= typeString
	}
	if c.Nullable {
		b |= typeNullable
	}
	if c.Key {
		b |= typeKey
	}
	return b
}

func (c Column) sameShape(d Column) bool {
	return c.Type == d.Type && (c.Size == d.Size || c.Type == ColBinary) && c.Nullable == d.Nullable &&
		c.Key == d.Key && c.Localizable == d.Localizable
}

// IDTType returns the column's type as IDT files (and msiinfo export)
// write it: "s72", "S255", "l0", "L64", "i2", "I4", "v0", "V0". Lowercase
// means not nullable.
func (c Column) IDTType() string {
	var ch byte
	var size int
	switch c.Type {
	case ColBinary:
		ch, size = 'v', 0
	case ColString:
		ch, size = 's', c.Size
		if c.Localizable {
			ch = 'l'
		}
	default:
		ch, size = 'i', c.Size
	}
	if c.Nullable {
		ch -= 'a' - 'A'
	}
	return string(ch) + strconv.Itoa(size)
}

// ParseIDTType parses an IDT column type such as "s72", "L0", "I2" or
// "v0" into a Column (Name, Number and Key are left zero).
func ParseIDTType(s string) (Column, error) {
	if len(s) < 2 {
		return Column{}, fmt.Errorf("msi: bad column type %q", clip.String(s))
	}
	n, err := strconv.Atoi(s[1:])
	if err != nil || n < 0 || n > 255 {
		return Column{}, fmt.Errorf("msi: bad column type %q", clip.String(s))
	}
	var c Column
	ch := s[0]
	if ch >= 'A' && ch <= 'Z' {
		c.Nullable = true
		ch += 'a' - 'A'
	}
	switch ch {
	case 's':
		c.Type, c.Size = ColString, n
	case 'l':
		c.Type, c.Size, c.Localizable = ColString, n, true
	case 'i':
		switch n {
		case 1, 2:
			c.Type, c.Size = ColInt16, n
		case 4:
			c.Type, c.Size = ColInt32, 4
		default:
			return Column{}, fmt.Errorf("msi: bad column type %q", clip.String(s))
		}
	case 'v':
		c.Type = ColBinary
	default:
		return Column{}, fmt.Errorf("msi: bad column type %q", clip.String(s))
	}
	return c, nil
}

// width returns the bytes per cell of c given the string reference width.
func (c Column) width(refSize int) int {
	switch c.Type {
	case ColInt16, ColBinary:
		return 2
	case ColInt32:
		return 4
	}
	return refSize
}
