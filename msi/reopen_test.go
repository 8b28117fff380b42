package msi

import (
	"errors"
	"testing"
)

func TestReopen(t *testing.T) {
	db, err := Open("../testdata/sample.msi")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	props, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	before := props.Len()
	if err := props.Insert(StrValue("MSIKIT_REOPEN"), StrValue("1")); err != nil {
		t.Fatal(err)
	}
	cp, err := db.Reopen()
	if err != nil {
		t.Fatal(err)
	}
	cpProps, err := cp.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	if cpProps.Len() != before {
		t.Errorf("the copy has %d Property rows, want the stored %d (not db's edit)", cpProps.Len(), before)
	}
	if err := cpProps.Insert(StrValue("MSIKIT_COPY"), StrValue("1")); err != nil {
		t.Fatal(err)
	}
	if _, ok := props.Lookup(StrValue("MSIKIT_COPY")); ok {
		t.Error("an edit of the copy reached db")
	}
	if cp.Path() != db.Path() || cp.Size() != db.Size() || db.Size() <= 0 {
		t.Errorf("copy path %q size %d, db path %q size %d", cp.Path(), cp.Size(), db.Path(), db.Size())
	}
	if err := cp.Close(); err != nil {
		t.Fatal(err)
	}
	// db still reads after the copy is closed.
	if _, err := db.Table("File"); err != nil {
		t.Errorf("db after closing the copy: %v", err)
	}
	db.Close()
	if _, err := db.Reopen(); !errors.Is(err, ErrClosed) {
		t.Errorf("Reopen of a closed database = %v", err)
	}
}
