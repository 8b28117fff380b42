package mst

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// A transform whose created tables' columns are named by a few pooled
// 64 KiB texts, 2 MiB of names a table, is refused with ErrLimit once
// the names come to 16 MiB (counted for each table), before its shapes
// are keyed by them; and the text of a transform quotes a long column
// name clipped, once a table.
func TestLongColumnNames(t *testing.T) {
	old, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	newDB := func(tables int) *msi.Database {
		db, err := msi.Open(testenv.SampleMSI())
		if err != nil {
			t.Fatal(err)
		}
		cols := make([]msi.Column, 32)
		for i := range cols {
			cols[i] = msi.Column{Name: fmt.Sprintf("C%02d", i) + strings.Repeat("n", 64<<10-3), Type: msi.ColInt16, Key: i == 0, Nullable: i > 0}
		}
		for i := range tables {
			tb, err := db.CreateTable(fmt.Sprintf("Wide%d", i), cols)
			if err != nil {
				t.Fatal(err)
			}
			vals := make([]msi.Value, 32)
			for j := range vals {
				vals[j] = msi.IntValue(int32(j))
			}
			if err := tb.Insert(vals...); err != nil {
				t.Fatal(err)
			}
		}
		return db
	}
	transform := func(tables int) []byte {
		db := newDB(tables)
		defer db.Close()
		c, err := Diff(old, db)
		if err != nil {
			t.Fatal(err)
		}
		si, err := NewSummary(old, db, nil)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Write(&buf, c, si); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	read := func(data []byte) error {
		tdb, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return err
		}
		tr, err := New(tdb)
		if err != nil {
			return err
		}
		c, err := tr.Decode(old)
		if err != nil {
			return err
		}
		var text bytes.Buffer
		if err := WriteText(&text, old, c); err != nil {
			return err
		}
		if strings.Contains(text.String(), strings.Repeat("n", 2000)) {
			t.Errorf("the text quotes a 64 KiB column name whole")
		}
		return nil
	}
	if err := read(transform(7)); err != nil {
		t.Errorf("7 tables of 2 MiB of column names: %v", err)
	}
	if err := read(transform(9)); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "16 MiB") {
		t.Errorf("9 tables of 2 MiB of column names: %v, want ErrLimit naming 16 MiB", err)
	}
}

// An update line quotes each long column name clipped.
func TestUpdateTextClipsColumnNames(t *testing.T) {
	build := func(v int32) *msi.Database {
		db, err := msi.Open(testenv.SampleMSI())
		if err != nil {
			t.Fatal(err)
		}
		cols := make([]msi.Column, 16)
		for i := range cols {
			cols[i] = msi.Column{Name: fmt.Sprintf("C%02d", i) + strings.Repeat("n", 64<<10-3), Type: msi.ColInt16, Key: i == 0, Nullable: i > 0}
		}
		tb, err := db.CreateTable("Wide", cols)
		if err != nil {
			t.Fatal(err)
		}
		for r := range 100 {
			vals := make([]msi.Value, 16)
			vals[0] = msi.IntValue(int32(r))
			for j := 1; j < 16; j++ {
				vals[j] = msi.IntValue(v)
			}
			if err := tb.Insert(vals...); err != nil {
				t.Fatal(err)
			}
		}
		return db
	}
	a, b := build(1), build(2)
	defer a.Close()
	defer b.Close()
	c, err := Diff(a, b)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := WriteText(&text, a, c); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(text.String(), "~ Wide ["); n != 100 {
		t.Errorf("%d update lines, want 100:\n%.500s", n, text.String())
	}
	if strings.Contains(text.String(), strings.Repeat("n", 2000)) || !strings.Contains(text.String(), "…(65536 bytes): 1 -> 2;") {
		t.Errorf("update lines do not quote the 64 KiB names clipped:\n%.500s", text.String())
	}
}
