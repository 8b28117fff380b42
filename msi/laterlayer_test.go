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

// A compound file compares entry names upper-cased unit by unit, and the
// characters Windows Installer does not pack (é, Greek, Cyrillic...) keep
// their case in a stream's name: two Binary rows keyed "é" and "É" were
// accepted with their streams, and WriteTo then failed ("cfb: duplicate
// entry name"). The second stream is refused, whether the first was set
// by an edit or read from the file, and so is a key change that would
// rename a stream onto another's name.
func TestStreamNamesDifferingOnlyInCase(t *testing.T) {
	withStream := func(t *testing.T, db *Database, key string) {
		t.Helper()
		tab, err := db.Table("Binary")
		if err != nil {
			t.Fatal(err)
		}
		if err := tab.Insert(StrValue(key), BinaryValue()); err != nil {
			t.Fatal(err)
		}
		if err := db.SetStream("Binary."+key, strings.NewReader(key), int64(len(key))); err != nil {
			t.Fatal(err)
		}
	}
	binaryStreams := func(db *Database) []string {
		var got []string
		for _, s := range db.Streams() {
			if strings.HasPrefix(s.Name, "Binary.") {
				got = append(got, s.Name)
			}
		}
		return got
	}
	t.Run("SetStream", func(t *testing.T) {
		db := openSample(t)
		withStream(t, db, "é")
		err := db.SetStream("Binary.É", strings.NewReader("x"), 1)
		wantValueError(t, err, "_Streams", `differs only in case from the stream "Binary.é"`)
		if diff := cmp.Diff([]string{"Binary.é"}, binaryStreams(writeBack(t, db))); diff != "" {
			t.Errorf("streams written (-want +got):\n%s", diff)
		}
	})
	t.Run("read from the file", func(t *testing.T) {
		db := openSample(t)
		withStream(t, db, "é")
		back := writeBack(t, db)
		err := back.SetStream("Binary.É", strings.NewReader("x"), 1)
		wantValueError(t, err, "_Streams", `differs only in case from the stream "Binary.é"`)
		// Once the first is gone, the name is free.
		if err := back.DeleteStream("Binary.é"); err != nil {
			t.Fatal(err)
		}
		if err := back.SetStream("Binary.É", strings.NewReader("x"), 1); err != nil {
			t.Fatalf("SetStream after the other was deleted: %v", err)
		}
		if diff := cmp.Diff([]string{"Binary.É"}, binaryStreams(writeBack(t, back))); diff != "" {
			t.Errorf("streams written (-want +got):\n%s", diff)
		}
	})
	t.Run("Update", func(t *testing.T) {
		db := openSample(t)
		withStream(t, db, "é")
		withStream(t, db, "x")
		tab, _ := db.Table("Binary")
		err := tab.Update([]Value{StrValue("x")}, func(v []Value) error {
			v[0] = StrValue("É")
			return nil
		})
		wantValueError(t, err, "Binary", `differs only in case from the stream "Binary.é"`)
		// Renaming a stream to its own name in another case is fine.
		err = tab.Update([]Value{StrValue("é")}, func(v []Value) error {
			v[0] = StrValue("É")
			return nil
		})
		if err != nil {
			t.Fatalf("Update é to É: %v", err)
		}
		if diff := cmp.Diff([]string{"Binary.x", "Binary.É"}, binaryStreams(writeBack(t, db))); diff != "" {
			t.Errorf("streams written (-want +got):\n%s", diff)
		}
	})
}

// Table streams too: tables "Té" and "TÉ", each with a row, made a
// database WriteTo could not write.
func TestTableNamesDifferingOnlyInCase(t *testing.T) {
	cols := []Column{{Name: "K", Type: ColString, Size: 72, Key: true}}
	db := openSample(t)
	tab, err := db.CreateTable("Té", cols)
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.Insert(StrValue("k")); err != nil {
		t.Fatal(err)
	}
	_, err = db.CreateTable("TÉ", cols)
	wantValueError(t, err, "TÉ", `differs only in case from table "Té"`)
	back := writeBack(t, db)
	if !back.HasTable("Té") || back.HasTable("TÉ") {
		t.Errorf("tables written: %q", back.TableNames())
	}
	// Read from the file, and free once dropped.
	_, err = back.CreateTable("TÉ", cols)
	wantValueError(t, err, "TÉ", `differs only in case from table "Té"`)
	if err := back.DropTable("Té"); err != nil {
		t.Fatal(err)
	}
	if _, err := back.CreateTable("TÉ", cols); err != nil {
		t.Fatalf("CreateTable after the other was dropped: %v", err)
	}
}

// Names of new tables and columns: one that was not UTF-8 or that the
// codepage cannot represent was accepted and came back from the written
// database as other text ("\xff\xfe" as "ÿþ"; a name made in codepage 0,
// after SetCodepage(932), as "Tﾃｩ"). Each is now refused where it
// enters. (Control characters and '/' stay allowed: the hostile fixtures
// name tables so, as hostile files do, and the database keeps them.)
func TestNamesTheDatabaseCannotKeep(t *testing.T) {
	key := Column{Name: "K", Type: ColString, Size: 72, Key: true}
	for _, tt := range []struct {
		name string
		cp   int
		edit func(db *Database) error
		want string
	}{
		{"table not UTF-8", 0, func(db *Database) error {
			_, err := db.CreateTable("\xff\xfe", []Column{key})
			return err
		}, "not valid UTF-8"},
		{"table not in the codepage", 1252, func(db *Database) error {
			_, err := db.CreateTable("日本", []Column{key})
			return err
		}, "codepage 1252 cannot represent"},
		{"column not UTF-8", 0, func(db *Database) error {
			_, err := db.CreateTable("T", []Column{key, {Name: "\xff", Type: ColString, Nullable: true}})
			return err
		}, "not valid UTF-8"},
		{"added column not in the codepage", 1252, func(db *Database) error {
			tab, err := db.Table("Property")
			if err != nil {
				return err
			}
			return tab.AddColumn(Column{Name: "日本", Type: ColString, Nullable: true})
		}, "codepage 1252 cannot represent"},
		{"codepage change", 0, func(db *Database) error {
			if _, err := db.CreateTable("Té", []Column{key}); err != nil {
				return err
			}
			return db.SetCodepage(932)
		}, `codepage 932 cannot represent the name of table "Té"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := openSample(t)
			if err := db.SetCodepage(tt.cp); err != nil {
				t.Fatal(err)
			}
			before := db.TableNames()
			err := tt.edit(db)
			var ve *ValueError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want a *ValueError saying %q", err, tt.want)
			}
			back := writeBack(t, db)
			if diff := cmp.Diff(before, back.TableNames()); tt.name != "codepage change" && diff != "" {
				t.Errorf("tables written (-before +after):\n%s", diff)
			}
			if back.Codepage() != tt.cp {
				t.Errorf("codepage %d written, want %d", back.Codepage(), tt.cp)
			}
		})
	}
}

// A key change renames the row's stream: a new key whose name is another
// stream's (keys joined by "." can name another row's: ("a", "b.c") and
// ("a.b", "c") both name T.a.b.c) replaced that stream's data.
func TestUpdateRefusesKeyNamingAnotherStream(t *testing.T) {
	db := openSample(t)
	tab, err := db.CreateTable("T", []Column{
		{Name: "A", Type: ColString, Size: 72, Key: true},
		{Name: "B", Type: ColString, Size: 72, Key: true},
		{Name: "Data", Type: ColBinary, Nullable: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range [][2]string{{"a.b", "c"}, {"a", "x"}} {
		if err := tab.Insert(StrValue(k[0]), StrValue(k[1]), BinaryValue()); err != nil {
			t.Fatal(err)
		}
		data := k[0] + "|" + k[1]
		if err := db.SetStream("T."+k[0]+"."+k[1], strings.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	err = tab.Update([]Value{StrValue("a"), StrValue("x")}, func(v []Value) error {
		v[1] = StrValue("b.c")
		return nil
	})
	wantValueError(t, err, "T", `its name "T.a.b.c" is another stream's`)
	back := writeBack(t, db)
	bt, err := back.Table("T")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for r := range bt.Rows() {
		rd, err := r.OpenStream("Data")
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(rd)
		got[r.StreamName()] = b.String()
	}
	if diff := cmp.Diff(map[string]string{"T.a.b.c": "a.b|c", "T.a.x": "a|x"}, got); diff != "" {
		t.Errorf("streams (-want +got):\n%s", diff)
	}
}
