package msi

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The tests of this file each take a value an edit accepted and that the
// database could then not be written with (or came back changed from):
// it is now refused by the edit, with a *ValueError, and the database
// stays writable.

// writeBack writes db and reads it back.
func writeBack(t *testing.T, db *Database) *Database {
	t.Helper()
	var b bytes.Buffer
	if _, err := db.WriteTo(&b); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	back, err := NewDatabase(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatalf("reading the written database: %v", err)
	}
	return back
}

// wantValueError requires a *ValueError of table whose message says want.
func wantValueError(t *testing.T, err error, table, want string) {
	t.Helper()
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Table != table || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want a *ValueError of table %s saying %q", err, table, want)
	}
}

// A key change renames the row's stream: a new key that cannot name a
// stream (NUL, or too long when packed) was accepted, and WriteTo then
// failed on the renamed stream ("stream name holds NUL").
func TestUpdateRefusesKeyItsStreamCannotFollow(t *testing.T) {
	for _, tt := range []struct{ name, key, want string }{
		{"NUL", "x\x00y", "holds NUL"},
		{"long", strings.Repeat("é", 40), "longer than 31 units"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := openSample(t)
			tab, err := db.Table("Binary")
			if err != nil {
				t.Fatal(err)
			}
			if err := tab.Insert(StrValue("orig"), BinaryValue()); err != nil {
				t.Fatal(err)
			}
			if err := db.SetStream("Binary.orig", strings.NewReader("data"), 4); err != nil {
				t.Fatal(err)
			}
			err = tab.Update([]Value{StrValue("orig")}, func(v []Value) error {
				v[0] = StrValue(tt.key)
				return nil
			})
			wantValueError(t, err, "Binary", tt.want)
			back := writeBack(t, db)
			bt, err := back.Table("Binary")
			if err != nil {
				t.Fatal(err)
			}
			r, ok := bt.Lookup(StrValue("orig"))
			if !ok {
				t.Fatal("the refused update lost the row")
			}
			rd, err := r.OpenStream("Data")
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			got.ReadFrom(rd)
			if diff := cmp.Diff("data", got.String()); diff != "" {
				t.Errorf("stream after the refused update (-want +got):\n%s", diff)
			}
		})
	}
}
