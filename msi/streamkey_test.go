package msi

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/testenv"
)

// TestBinaryCellsOfLongKeys: rows whose key is a long pooled text cannot
// have a stream (no compound-file name is that long), and what looks for
// or drops their streams says so without building the name: opening the
// stream of each of 20,000 rows keyed by one 1 MiB text (and a number)
// built 20 GB of names, deleting them as much again.
func TestBinaryCellsOfLongKeys(t *testing.T) {
	const rows = 20000
	long := strings.Repeat("K", 1<<20)
	s := &synthDB{}
	s.schema([]tableDef{{"T", []colDef{{"K", 0x2d48}, {"N", 0x2502}, {"B", 0x1900}}}})
	k := s.id(long)
	cells := make([]uint32, 0, 3*rows)
	for r := range rows {
		cells = append(cells, k, 0x8000+uint32(r), 1)
	}
	s.tables["T"] = encodeTable([]Column{{Type: ColString}, {Type: ColInt16}, {Type: ColBinary}}, 2, cells, rows, nil)
	pkg := s.bytes(t)
	table := func() *Table {
		db, err := NewDatabase(bytes.NewReader(pkg), int64(len(pkg)))
		if err != nil {
			t.Fatal(err)
		}
		tab, err := db.Table("T")
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	tab := table()
	var opened int
	var msg string
	testenv.CheckBudget(t, "OpenStream of 20,000 rows keyed by a 1 MiB text", func() {
		opened = 0
		for r := range tab.Rows() {
			if _, err := r.OpenStream("B"); err == nil {
				opened++
			} else {
				msg = err.Error()
			}
		}
	})
	if opened != 0 {
		t.Errorf("%d streams opened, want none", opened)
	}
	if want := "msi: table T: a row's stream name would have 1048584 bytes, more than a stream name can hold: no stream"; msg != want {
		t.Errorf("OpenStream: %q, want %q", msg, want)
	}
	var deleted int
	testenv.CheckBudget(t, "DeleteFunc of 20,000 rows keyed by a 1 MiB text", func() {
		tab := table()
		deleted = tab.DeleteFunc(func(Row) bool { return true })
	})
	if deleted != rows {
		t.Errorf("deleted %d rows, want %d", deleted, rows)
	}
}

// TestNoStreamErrorClipped: the error for a stream a database lacks
// quotes its name clipped: a row keyed by a 64,000-byte text named a
// stream of that length, which msikit rewrite --as-transform printed
// whole (64 KB on one line).
func TestNoStreamErrorClipped(t *testing.T) {
	db := openSample(t)
	name := "Binary." + strings.Repeat("k", 64000)
	_, err := db.OpenStream(name)
	if err == nil || len(err.Error()) > 2*clip.Max {
		t.Errorf("OpenStream: an error of %d bytes, want one of at most %d", len(fmt.Sprint(err)), 2*clip.Max)
	}
	if err := db.DeleteStream(name); err == nil || len(err.Error()) > 2*clip.Max {
		t.Errorf("DeleteStream: an error of %d bytes, want one of at most %d", len(fmt.Sprint(err)), 2*clip.Max)
	}
}

// TestStreamNameLen: StreamNameLen is the length of the name StreamName
// builds, for keys of text, of 2- and 4-byte integers (negative ones, and
// ones of many digits) and of non-ASCII text.
func TestStreamNameLen(t *testing.T) {
	s := &synthDB{}
	s.schema([]tableDef{{"T", []colDef{{"K", 0x2d48}, {"N", 0x2502}, {"M", 0x2104}, {"B", 0x1900}}}})
	var cells []uint32
	keys := []struct {
		k    string
		n, m int32
	}{{"a", 0, 0}, {"Grüße", -1, -2147483648}, {"x", 32767, 2147483647}, {"long key", -32768, 123456}}
	for _, k := range keys {
		cells = append(cells, s.id(k.k), uint32(uint16(k.n)^0x8000), uint32(k.m)^0x80000000, 1)
	}
	s.tables["T"] = encodeTable([]Column{{Type: ColString}, {Type: ColInt16}, {Type: ColInt32}, {Type: ColBinary}}, 2, cells, len(keys), nil)
	db := s.open(t)
	tab, err := db.Table("T")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for row := range tab.Rows() {
		n++
		if got, want := row.StreamNameLen(), len(row.StreamName()); got != want {
			t.Errorf("row %q: StreamNameLen %d, len(StreamName()) %d", row.StreamName(), got, want)
		}
	}
	if n != len(keys) {
		t.Fatalf("%d rows, want %d", n, len(keys))
	}
}
