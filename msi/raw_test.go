package msi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStringPoolWriterRefusesText: text the pool's codepage cannot hold is
// a *ValueError naming the pool, with the text clipped (a transform's
// strings may be megabytes long).
func TestStringPoolWriterRefusesText(t *testing.T) {
	w := NewStringPoolWriter(1251)
	if id, err := w.Add(StrValue("Привет")); err != nil || id == 0 {
		t.Fatalf("Add(Cyrillic) in 1251: id %d, %v", id, err)
	}
	long := strings.Repeat("é", 1<<20)
	_, err := w.Add(StrValue(long))
	var verr *ValueError
	if !errors.As(err, &verr) || verr.Table != "_StringPool" {
		t.Fatalf("Add(é…) in 1251: %v (%T), want a *ValueError for _StringPool", err, err)
	}
	if n := len(err.Error()); n > 1024 {
		t.Errorf("error of %d bytes: the text is not clipped", n)
	}
}

// TestStringPoolWriterSources: a string gets one id whatever it comes
// from (a database's pool in the writer's codepage, whose bytes the
// writer keeps where they are, a Go string, a pool of another codepage),
// ids follow first use, and _StringData read from the strings at any
// offset and in any piece is their bytes in id order.
func TestStringPoolWriterSources(t *testing.T) {
	db := openSample(t) // codepage 1252
	prop, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range []string{"café", "short", strings.Repeat("long", 100)} {
		if err := prop.Insert(StrValue(fmt.Sprintf("ZZ%d", i)), StrValue(s)); err != nil {
			t.Fatal(err)
		}
	}
	cell := func(key string) Value {
		r, ok := prop.Lookup(StrValue(key))
		if !ok {
			t.Fatalf("no Property row %s", key)
		}
		return r.At(1)
	}
	other := newEmptyPool(65001)
	id, _ := other.idOf(StrValue("short"))
	fromOther := other.value(id)

	w := NewStringPoolWriter(1252)
	var got []uint32
	for _, v := range []Value{cell("ZZ0"), StrValue("café"), cell("ZZ1"), fromOther, StrValue("new"), cell("ZZ2"), StrValue(strings.Repeat("long", 100)), Null, cell("ZZ0")} {
		id, err := w.Add(v)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	if diff := cmp.Diff([]uint32{1, 1, 2, 2, 3, 4, 4, 0, 1}, got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if w.Len() != 5 || w.RefSize() != 2 {
		t.Errorf("Len %d, RefSize %d, want 5 and 2", w.Len(), w.RefSize())
	}
	want := "caf\xe9" + "short" + "new" + strings.Repeat("long", 100)
	pool, data := w.Encode()
	if string(data) != want {
		t.Errorf("_StringData %q, want %q", data, want)
	}
	pool2, r := w.EncodeReader()
	if !bytes.Equal(pool, pool2) {
		t.Errorf("EncodeReader's _StringPool differs from Encode's")
	}
	checkReads(t, r, want)

	// Enough strings for several marks, and none.
	w = NewStringPoolWriter(1252)
	want = ""
	for i := range 300 {
		s := fmt.Sprintf("s%d-%s", i, strings.Repeat("x", i%7))
		if _, err := w.Add(StrValue(s)); err != nil {
			t.Fatal(err)
		}
		want += s
	}
	_, r = w.EncodeReader()
	checkReads(t, r, want)
	_, r = NewStringPoolWriter(1252).EncodeReader()
	checkReads(t, r, "")

	// A reference count stops at the 0xffff an entry holds.
	w = NewStringPoolWriter(1252)
	for range 70000 {
		if _, err := w.Add(StrValue("x")); err != nil {
			t.Fatal(err)
		}
	}
	if pool, _ := w.Encode(); len(pool) != 8 || binary.LittleEndian.Uint16(pool[4:]) != 1 || binary.LittleEndian.Uint16(pool[6:]) != 0xffff {
		t.Errorf("_StringPool of one string named 70,000 times: % x, want its length 1 and 0xffff references", pool)
	}
}

// checkReads checks reads of every length up to 500 bytes at every offset
// of r against want.
func checkReads(t *testing.T, r *io.SectionReader, want string) {
	t.Helper()
	if r.Size() != int64(len(want)) {
		t.Fatalf("_StringData reader of %d bytes, want %d", r.Size(), len(want))
	}
	for off := range len(want) + 1 {
		for _, n := range []int{1, 3, 7, 500} {
			b := make([]byte, n)
			k, err := r.ReadAt(b, int64(off))
			wantN := min(n, len(want)-off)
			if k != wantN || string(b[:k]) != want[off:off+wantN] {
				t.Fatalf("ReadAt(%d bytes at %d) = %d bytes %q, want %q", n, off, k, b[:k], want[off:off+wantN])
			}
			if (err == io.EOF) != (wantN < n) || err != nil && err != io.EOF {
				t.Fatalf("ReadAt(%d bytes at %d): error %v", n, off, err)
			}
		}
	}
}
