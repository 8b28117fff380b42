package msi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPackName(t *testing.T) {
	tests := []struct {
		name  string
		table bool
		raw   []uint16
	}{
		// Raw names as they appear in corpus files (lessmsi-VBRuntime.msi).
		{"Binary.New", false, []uint16{0x430b, 0x4131, 0x4735, 0x3dfe, 0x46a8}},
		{"Disk1.CAB", false, []uint16{0x430d, 0x43b6, 0x4781, 0x3a8c, 0x480b}},
		{"_Tables", true, []uint16{0x4840, 0x3f7f, 0x4164, 0x422f, 0x4836}},
		{"\x05SummaryInformation", false, nil},
		{"a-b", false, []uint16{0x4824, '-', 0x4825}},
		{"é", false, []uint16{0xe9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := packName(tt.name, tt.table)
			if err != nil {
				t.Fatal(err)
			}
			if tt.raw != nil {
				if d := cmp.Diff(tt.raw, raw); d != "" {
					t.Errorf("packName (-want +got):\n%s", d)
				}
			}
			name, table := unpackName(raw)
			if name != tt.name || table != tt.table {
				t.Errorf("unpackName = %q, %v; want %q, %v", name, table, tt.name, tt.table)
			}
		})
	}
	if _, err := packName(strings.Repeat("-", 32), false); err == nil {
		t.Error("packName accepted a name of 32 units")
	}
	if _, err := packName(strings.Repeat("a", 62), false); err != nil {
		t.Errorf("62 packable characters fit 31 units: %v", err)
	}
}

// poolBytes builds _StringPool/_StringData from strings (nil = free slot).
func poolBytes(cp uint32, long bool, strs ...string) (pool, data []byte) {
	if long {
		cp |= 0x80000000
	}
	pool = binary.LittleEndian.AppendUint32(nil, cp)
	for _, s := range strs {
		if len(s) >= 0x10000 {
			pool = binary.LittleEndian.AppendUint16(pool, 0)
			pool = binary.LittleEndian.AppendUint16(pool, 1)
			pool = binary.LittleEndian.AppendUint32(pool, uint32(len(s)))
		} else {
			pool = binary.LittleEndian.AppendUint16(pool, uint16(len(s)))
			r := uint16(1)
			if s == "" {
				r = 0
			}
			pool = binary.LittleEndian.AppendUint16(pool, r)
		}
		data = append(data, s...)
	}
	return pool, data
}

func TestParsePool(t *testing.T) {
	big := strings.Repeat("x", 70000)
	pool, data := poolBytes(1252, true, "Alpha", "", big, "\xe9t\xe9")
	p, _, err := parsePool(pool, data)
	if err != nil {
		t.Fatal(err)
	}
	if !p.longRefs || p.codec.cp != 1252 || p.refSize() != 3 {
		t.Errorf("header: long=%v cp=%d", p.longRefs, p.codec.cp)
	}
	got := []string{p.str(1), p.str(2), p.str(3), p.str(4)}
	if d := cmp.Diff([]string{"Alpha", "", big, "été"}, got); d != "" {
		t.Errorf("strings (-want +got):\n%s", d)
	}
	if !bytes.Equal(p.raw(4), []byte("\xe9t\xe9")) {
		t.Errorf("raw bytes not kept: %q", p.raw(4))
	}
	// Round trip through encodePool.
	strs := [][]byte{nil, p.raw(1), nil, p.raw(3), p.raw(4)}
	pool2, data2 := encodePool(1252, strs, []uint32{0, 1, 0, 1, 1}, true)
	if !bytes.Equal(pool, pool2) || !bytes.Equal(data, data2) {
		t.Errorf("encodePool does not reproduce the pool")
	}
}

// TestParsePoolEmpty is a regression test: an empty _StringPool made
// parsePool panic (found by a random-mutation run).
func TestParsePoolEmpty(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("abc")} {
		p, _, err := parsePool(nil, data)
		if err != nil || p.size() != 1 {
			t.Errorf("empty pool with %d data bytes: %v", len(data), err)
		}
	}
}

func TestParsePoolErrors(t *testing.T) {
	pool, data := poolBytes(0, false, "abc", "defg")
	tests := []struct {
		name       string
		pool, data []byte
		want       string
	}{
		{"entry past data", pool, data[:5], "past the end of _StringData"},
		{"odd pool size", pool[:len(pool)-1], data, "not a multiple of 4"},
		{"extended entry truncated", append(binary.LittleEndian.AppendUint32(nil, 0), 0, 0, 1, 0), nil, "truncated"},
		{"extended entry too long", append(binary.LittleEndian.AppendUint32(nil, 0), 0, 0, 1, 0, 0xff, 0xff, 0xff, 0x7f), nil, "past the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parsePool(tt.pool, tt.data)
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "_StringPool") {
				t.Errorf("got %v, want ErrFormat naming _StringPool and %q", err, tt.want)
			}
		})
	}
}

func TestColumnBits(t *testing.T) {
	tests := []struct {
		bits uint16
		idt  string
		typ  ColType
	}{
		{0x2d48, "s72", ColString},
		{0x1d48, "S72", ColString},
		{0x0fff, "l255", ColString},
		{0x1f00, "L0", ColString},
		{0x0502, "i2", ColInt16},
		{0x1502, "I2", ColInt16},
		{0x0104, "i4", ColInt32},
		{0x1104, "I4", ColInt32},
		{0x1501, "I1", ColInt16},
		{0x0900, "v0", ColBinary},
		{0x1900, "V0", ColBinary},
	}
	for _, tt := range tests {
		c, err := columnFromBits(tt.bits)
		if err != nil {
			t.Errorf("0x%04x: %v", tt.bits, err)
			continue
		}
		if c.IDTType() != tt.idt || c.Type != tt.typ {
			t.Errorf("0x%04x: %s %s, want %s %s", tt.bits, c.IDTType(), c.Type, tt.idt, tt.typ)
		}
		if c.bits() != tt.bits {
			t.Errorf("0x%04x: bits() = 0x%04x", tt.bits, c.bits())
		}
		if p, err := ParseIDTType(tt.idt); err != nil || p.IDTType() != tt.idt {
			t.Errorf("ParseIDTType(%q) = %v, %v", tt.idt, p.IDTType(), err)
		}
	}
	for _, bad := range []uint16{0x0503, 0x0100, 0x0108} {
		if _, err := columnFromBits(bad); err == nil {
			t.Errorf("0x%04x accepted", bad)
		}
	}
}

func TestTableCodec(t *testing.T) {
	cols := []Column{
		{Name: "K", Type: ColString, Key: true},
		{Name: "N", Type: ColInt16, Size: 2},
		{Name: "L", Type: ColInt32, Size: 4},
		{Name: "B", Type: ColBinary},
	}
	for _, ref := range []int{2, 3} {
		cells := []uint32{5, 0x8001, 0x80000007, 1, 3, 0, 0x7fffffff, 0}
		data := encodeTable(cols, ref, cells, 2, nil)
		if len(data) != 2*rowWidth(cols, ref) {
			t.Fatalf("ref %d: %d bytes", ref, len(data))
		}
		got, n, err := decodeTable("T", cols, ref, data, 6)
		if err != nil || n != 2 {
			t.Fatal(n, err)
		}
		if d := cmp.Diff(cells, got); d != "" {
			t.Errorf("ref %d (-want +got):\n%s", ref, d)
		}
		if _, _, err := decodeTable("T", cols, ref, data, 5); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "table T") {
			t.Errorf("string id past the pool: %v", err)
		}
		if _, _, err := decodeTable("T", cols, ref, data[:len(data)-1], 6); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "row width") {
			t.Errorf("row-width mismatch: %v", err)
		}
	}
}

func TestSortRows(t *testing.T) {
	cols := []Column{
		{Name: "A", Type: ColString, Key: true},
		{Name: "B", Type: ColInt16, Key: true},
		{Name: "C", Type: ColString},
	}
	// Rows (A id, B raw, C id); remap reverses ids 1..3.
	cells := []uint32{
		1, 0x8002, 9,
		3, 0x8001, 8,
		1, 0x7fff, 7, // B = -1 sorts before 2
		2, 0x8000, 6,
	}
	remap := []uint32{0, 3, 2, 1, 4, 5, 6, 7, 8, 9}
	got := sortRows(cols, []int{0, 1}, cells, 4, remap)
	want := []uint32{
		3, 0x8001, 8,
		2, 0x8000, 6,
		1, 0x7fff, 7,
		1, 0x8002, 9,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestCodepages(t *testing.T) {
	tests := []struct {
		cp   int
		text string
	}{
		{1252, "Café"}, {1250, "Łódź"}, {1251, "Привет"}, {1253, "Ελλάδα"}, {1254, "İstanbul"},
		{1255, "שלום"}, {1256, "مرحبا"}, {1257, "Ąžuolas"}, {1258, "Đà"}, {874, "สวัสดี"},
		{932, "日本語"}, {936, "中文"}, {949, "한국어"}, {950, "繁體"}, {65001, "ünïcödé ✓"}, {0, "plain"},
	}
	for _, tt := range tests {
		c := newCodec(tt.cp)
		b, ok := c.encode(tt.text)
		if !ok {
			t.Errorf("cp %d: cannot encode %q", tt.cp, tt.text)
			continue
		}
		if got := c.decode(b); got != tt.text {
			t.Errorf("cp %d: %q -> %x -> %q", tt.cp, tt.text, b, got)
		}
	}
	if _, ok := newCodec(1252).encode("日本"); ok {
		t.Error("1252 encoded Japanese")
	}
}

// Value.Bytes hands out a copy: changing it changes neither the value's
// text nor what the database writes.
func TestValueBytesIsACopy(t *testing.T) {
	db, _ := coreOpenCopy(t, coreSample)
	props, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	row, ok := props.Lookup(StrValue("ProductName"))
	if !ok {
		t.Fatal("no ProductName")
	}
	v := row.Get("Value")
	want := v.Str()
	b := v.Bytes()
	if string(b) != want {
		t.Fatalf("Bytes %q, Str %q", b, want)
	}
	for i := range b {
		b[i] = 'X'
	}
	if got := v.Str(); got != want {
		t.Errorf("Str after changing Bytes' result: %q, want %q", got, want)
	}
	if got := string(v.Bytes()); got != want {
		t.Errorf("Bytes after changing an earlier result: %q, want %q", got, want)
	}
}

func TestNoTable(t *testing.T) {
	db := openSample(t)
	for _, name := range []string{"File", "_Tables", "_Columns", "_Streams", "_Storages"} {
		if !db.HasTable(name) {
			t.Errorf("HasTable(%q) = false", name)
		}
		if _, err := db.Table(name); err != nil {
			t.Errorf("Table(%q): %v", name, err)
		}
	}
	for _, name := range []string{"NoSuchTable", "file", ""} {
		if db.HasTable(name) {
			t.Errorf("HasTable(%q) = true", name)
		}
		_, err := db.Table(name)
		if !errors.Is(err, ErrNoTable) || errors.Is(err, ErrFormat) {
			t.Errorf("Table(%q): %v, want an error matching ErrNoTable only", name, err)
		}
		if err := db.DropTable(name); !errors.Is(err, ErrNoTable) {
			t.Errorf("DropTable(%q): %v, want ErrNoTable", name, err)
		}
	}
}

// isASCII and isASCIIString, which look at eight bytes at a time, find a
// byte of 0x80 or more at every position of strings of every length up to
// 24, and accept every such string without one.
func TestIsASCII(t *testing.T) {
	for n := 0; n <= 24; n++ {
		b := bytes.Repeat([]byte{0x7f}, n)
		if !isASCII(b) || !isASCIIString(string(b)) {
			t.Errorf("%d bytes of 0x7f: not ASCII", n)
		}
		for i := 0; i < n; i++ {
			for _, c := range []byte{0x80, 0xff} {
				b := bytes.Repeat([]byte{'a'}, n)
				b[i] = c
				if isASCII(b) || isASCIIString(string(b)) {
					t.Errorf("%x at %d of %d bytes: ASCII", c, i, n)
				}
			}
		}
	}
}
