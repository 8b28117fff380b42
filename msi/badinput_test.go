package msi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
)

// synthDB describes a database built stream by stream for tests.
type synthDB struct {
	strs    []string          // pool strings, id 1.. (nil-like "" = free slot)
	long    bool              // 3-byte string references
	tables  map[string][]byte // table streams by decoded name (besides the pool)
	streams map[string][]byte // other streams by decoded name
	pool    []byte            // overrides the encoded _StringPool
	data    []byte            // overrides the encoded _StringData
}

func (s *synthDB) id(str string) uint32 {
	for i, x := range s.strs {
		if x == str {
			return uint32(i + 1)
		}
	}
	s.strs = append(s.strs, str)
	return uint32(len(s.strs))
}

// schema adds _Tables and _Columns rows for tables given as
// name -> [(column, type bits)...].
func (s *synthDB) schema(defs []tableDef) {
	var tcells, ccells []uint32
	for _, d := range defs {
		tid := s.id(d.name)
		tcells = append(tcells, tid)
		for i, c := range d.cols {
			ccells = append(ccells, tid, uint32(uint16(i+1)^0x8000), s.id(c.name), uint32(c.bits^0x8000))
		}
	}
	ref := 2
	if s.long {
		ref = 3
	}
	if s.tables == nil {
		s.tables = map[string][]byte{}
	}
	s.tables["_Tables"] = encodeTable(tablesCols, ref, sortRows(tablesCols, tablesKeys, tcells, len(tcells), nil), len(tcells), nil)
	s.tables["_Columns"] = encodeTable(columnsCols, ref, sortRows(columnsCols, columnsKeys, ccells, len(ccells)/4, nil), len(ccells)/4, nil)
}

type tableDef struct {
	name string
	cols []colDef
}

type colDef struct {
	name string
	bits uint16
}

func (s *synthDB) bytes(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := cfb.NewWriter(&buf, nil)
	g, _ := cfb.ParseGUID(CLSIDInstaller)
	w.SetRoot(cfb.Header{CLSID: g})
	pool, data := s.pool, s.data
	if pool == nil {
		strs := make([][]byte, len(s.strs)+1)
		refs := make([]uint32, len(s.strs)+1)
		for i, x := range s.strs {
			strs[i+1] = []byte(x)
			refs[i+1] = 1
		}
		pool, data = encodePool(1252, strs, refs, s.long)
	}
	add := func(name string, table bool, b []byte) {
		raw, err := packName(name, table)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.CreateHeaderFrom("", &cfb.Header{RawName: raw}, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	}
	add(poolStream, true, pool)
	add(dataStream, true, data)
	for name, b := range s.tables {
		add(name, true, b)
	}
	for name, b := range s.streams {
		add(name, false, b)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// open builds the database and opens it.
func (s *synthDB) open(t testing.TB) *Database {
	t.Helper()
	b := s.bytes(t)
	db, err := NewDatabase(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// decodeAll opens a database and decodes every table and value.
func decodeAll(b []byte) error {
	db, err := NewDatabase(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	var first error
	for _, name := range append(db.TableNames(), "_Tables", "_Columns", "_Streams", "_Storages") {
		t, err := db.Table(name)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		for r := range t.Rows() {
			for _, v := range r.Values() {
				_ = v.String()
			}
		}
	}
	db.Streams()
	return first
}

func TestBadInput(t *testing.T) {
	propDef := []tableDef{{"Property", []colDef{{"Property", 0x2d48}, {"Value", 0x0f00}}}}
	good := func() *synthDB {
		s := &synthDB{}
		s.schema(propDef)
		k, v := s.id("ProductName"), s.id("Thing")
		s.tables["Property"] = encodeTable([]Column{{Type: ColString}, {Type: ColString}}, 2, []uint32{k, v}, 1, nil)
		return s
	}
	if err := decodeAll(good().bytes(t)); err != nil {
		t.Fatalf("the good database does not decode: %v", err)
	}
	tests := []struct {
		name  string
		build func() *synthDB
		want  []string // substrings of the error
	}{
		{"truncated table stream", func() *synthDB {
			s := good()
			s.tables["Property"] = s.tables["Property"][:3]
			return s
		}, []string{"table Property", "row width"}},
		{"string id past the pool", func() *synthDB {
			s := good()
			s.tables["Property"] = encodeTable([]Column{{Type: ColString}, {Type: ColString}}, 2, []uint32{1, 999}, 1, nil)
			return s
		}, []string{"table Property", "string id 999"}},
		{"pool entry longer than _StringData", func() *synthDB {
			s := good()
			s.pool, s.data = poolBytes(1252, false, s.strs...)
			s.data = s.data[:len(s.data)-2]
			return s
		}, []string{"_StringPool", "past the end of _StringData"}},
		{"nonsense column type", func() *synthDB {
			s := &synthDB{}
			s.schema([]tableDef{{"Odd", []colDef{{"K", 0x2503}}}})
			s.tables["Odd"] = []byte{1, 2, 3}
			return s
		}, []string{"table Odd", "size 3"}},
		{"column numbers with a gap", func() *synthDB {
			s := &synthDB{}
			tid, c := s.id("Gap"), s.id("C")
			cells := []uint32{tid, 1 ^ 0x8000, c, 0x2d48 ^ 0x8000, tid, 5 ^ 0x8000, c, 0x0502 ^ 0x8000}
			s.tables = map[string][]byte{
				"_Tables":  encodeTable(tablesCols, 2, []uint32{tid}, 1, nil),
				"_Columns": encodeTable(columnsCols, 2, cells, 2, nil),
			}
			return s
		}, []string{"table Gap", "column numbers"}},
		{"too many columns", func() *synthDB {
			s := &synthDB{}
			var cols []colDef
			for i := 0; i < 40; i++ {
				cols = append(cols, colDef{fmt.Sprintf("C%d", i), 0x2d48})
			}
			s.schema([]tableDef{{"Wide", cols}})
			return s
		}, []string{"table Wide", "40 columns"}},
		{"absurd _Columns row count", func() *synthDB {
			s := good()
			s.tables["_Columns"] = bytes.Repeat([]byte{0xff}, 8*1000+1)
			return s
		}, []string{"_Columns", "row width"}},
		{"_Tables string past the pool", func() *synthDB {
			s := good()
			s.tables["_Tables"] = []byte{0xff, 0x7f}
			return s
		}, []string{"_Tables", "string id"}},
		{"missing _StringData", func() *synthDB {
			s := good()
			s.data = []byte{}
			s.pool = []byte{0, 0, 0}
			return s
		}, []string{"_StringPool"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.build().bytes(t)
			var err error
			testenv.CheckBudget(t, tt.name, func() { err = decodeAll(b) })
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("got %v, want ErrFormat", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestStreamLimit checks that a stream larger than Options.MaxStreamBytes
// is refused before it is read.
func TestStreamLimit(t *testing.T) {
	s := &synthDB{}
	s.schema([]tableDef{{"Big", []colDef{{"K", 0x0104 | 0x2000}}}})
	s.tables["Big"] = make([]byte, 4*50000)
	b := s.bytes(t)
	db, err := NewDatabaseOptions(bytes.NewReader(b), int64(len(b)), &ReadOptions{MaxStreamBytes: 100000})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Table("Big")
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "limit") {
		t.Errorf("got %v", err)
	}
	binary.LittleEndian.PutUint32(b[:4], 0) // not a compound file any more
	_, err = NewDatabase(bytes.NewReader(b), int64(len(b)))
	if !errors.Is(err, ErrFormat) || !errors.Is(err, cfb.ErrFormat) {
		t.Errorf("garbage: got %v, want an error matching msi.ErrFormat and cfb.ErrFormat", err)
	}
}

// SetStream's error quotes a name too long to pack clipped: the name of
// an imported binary cell's stream is its row's key, which an IDT file
// can make megabytes long.
func TestSetStreamErrorClipped(t *testing.T) {
	db := openSample(t)
	name := "Binary." + strings.Repeat("K", 1<<20)
	err := db.SetStream(name, bytes.NewReader(nil), 0)
	if err == nil || len(err.Error()) > 2*1024 || !strings.Contains(err.Error(), "name longer than 31 units") {
		t.Errorf("SetStream of a 1 MiB name: an error of %d bytes: %.200q", len(err.Error()), err)
	}
}
