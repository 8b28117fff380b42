package msi

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// saveReopen saves db as name in a temporary folder and opens the result
// (closed when the test ends); it returns the new database and its path.
func saveReopen(t *testing.T, db *Database, name string) (*Database, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := db.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	return db2, path
}

// withText returns the sample database in codepage 1252 with a Property
// row whose key and value are non-ASCII, saved and reopened.
func withText(t *testing.T) (*Database, string) {
	t.Helper()
	db := openSample(t)
	if err := db.SetCodepage(1252); err != nil {
		t.Fatalf("SetCodepage(1252) on an ASCII database: %v", err)
	}
	props, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	if err := props.Insert(StrValue("Café"), StrValue("Ä€ — déjà vu")); err != nil {
		t.Fatal(err)
	}
	return saveReopen(t, db, "text.msi")
}

func TestSetCodepage(t *testing.T) {
	db, path := withText(t)
	if db.Codepage() != 1252 {
		t.Fatalf("codepage %d after save, want 1252", db.Codepage())
	}
	before := exportString(t, db, "Property")
	props, _ := db.Table("Property")
	row, ok := props.Lookup(StrValue("Café"))
	if !ok {
		t.Fatal("Café not found")
	}
	if got := row.Get("Value").Bytes(); !bytes.Equal(got, []byte("\xc4\x80 \x97 d\xe9j\xe0 vu")) {
		t.Fatalf("stored bytes in 1252: %q", got)
	}

	// 1251 has no é: refused, and nothing changes.
	err := db.SetCodepage(1251)
	var verr *ValueError
	if !errors.As(err, &verr) || !strings.Contains(err.Error(), "Caf") {
		t.Fatalf("SetCodepage(1251): %v, want a *ValueError naming the string", err)
	}
	// Codepages are 16-bit; a pool header can claim 31 bits.
	for _, cp := range []int{-1, 0x10000, 0x20000000} {
		if err := db.SetCodepage(cp); !errors.As(err, &verr) || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("SetCodepage(%d): %v, want a *ValueError (out of range)", cp, err)
		}
	}
	if db.Codepage() != 1252 || exportString(t, db, "Property") != before {
		t.Error("a refused SetCodepage changed the database")
	}
	var unsup *UnsupportedError
	if err := db.SetCodepage(12345); !errors.As(err, &unsup) {
		t.Errorf("SetCodepage(12345): %v, want *UnsupportedError", err)
	}

	// UTF-8: the text stays, the bytes change, key lookups still work.
	if err := db.SetCodepage(65001); err != nil {
		t.Fatal(err)
	}
	row, ok = props.Lookup(StrValue("Café"))
	if !ok {
		t.Fatal("Café not found after SetCodepage(65001)")
	}
	if got := row.Get("Value"); got.Str() != "Ä€ — déjà vu" || string(got.Bytes()) != "Ä€ — déjà vu" {
		t.Errorf("after SetCodepage(65001): %q stored as %q", got.Str(), got.Bytes())
	}
	if err := props.Insert(StrValue("Naïve"), StrValue("ü")); err != nil {
		t.Fatal(err)
	}
	if err := props.Insert(StrValue("Café"), StrValue("dup")); err == nil {
		t.Error("duplicate non-ASCII key accepted after the codepage change")
	}
	db2, _ := saveReopen(t, db, "utf8.msi")
	if db2.Codepage() != 65001 {
		t.Errorf("codepage %d after save, want 65001", db2.Codepage())
	}
	want := strings.Replace(before, "1252\tProperty", "65001\tProperty", 1)
	got := exportString(t, db2, "Property")
	for _, l := range []string{"Naïve\tü\r\n"} {
		got = strings.Replace(got, l, "", 1)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Property after SetCodepage(65001) and save (-want +got):\n%s", diff)
	}
	if sameFile, _ := os.ReadFile(path); len(sameFile) == 0 {
		t.Error("input file gone")
	}
}

// Changing the codepage re-encodes the whole pool, so the changes made to
// one database are bounded by its size: flipping between two codepages
// (an IDT folder of thousands of _ForceCodepage files) ends with ErrLimit
// after at most maxRecode's worth of pools, and the failing change leaves
// the database as it was.
func TestSetCodepageWorkBounded(t *testing.T) {
	db, path := withText(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	before := exportString(t, db, "Property")
	cps := [2]int{65001, 1252}
	n := 0
	for ; n < 1_000_000; n++ {
		err = db.SetCodepage(cps[n%2])
		if err != nil {
			break
		}
	}
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("after %d changes: %v, want ErrLimit", n, err)
	}
	// Each change counts at least the pool's strings, 16 bytes each.
	if most := maxRecode(fi.Size()) / (16 * int64(db.pool.size())); int64(n) > most {
		t.Errorf("%d changes before ErrLimit, want at most %d", n, most)
	}
	if n < 100 {
		t.Errorf("only %d changes allowed on a %d-byte database", n, fi.Size())
	}
	if want := cps[(n-1)%2]; db.Codepage() != want {
		t.Errorf("codepage %d after the refused change, want %d", db.Codepage(), want)
	}
	if got := exportString(t, db, "Property"); got != before {
		t.Errorf("Property changed (-before +after):\n%s", cmp.Diff(before, got))
	}
}

// The names of tables made by edits are checked against each new
// codepage (they are not in the pool until written), and that work is
// counted too: a database of 3,000 created tables and few strings let
// a flip between two codepages check the 9,000 names thousands of times
// more than the bound allows (about 60 million name checks).
func TestSetCodepageNameChecksBounded(t *testing.T) {
	db := openSample(t)
	cols := []Column{{Name: "Key", Type: ColString, Size: 72, Key: true}, {Name: "Value", Type: ColString, Nullable: true}}
	var names int64
	for i := range 3000 {
		name := fmt.Sprintf("Created%d", i)
		if _, err := db.CreateTable(name, cols); err != nil {
			t.Fatal(err)
		}
		names += 16 + int64(len(name)) + 16 + 3 + 16 + 5
	}
	cps := [2]int{1252, 0}
	n := 0
	var err error
	for ; n < 100_000; n++ {
		if err = db.SetCodepage(cps[n%2]); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("after %d changes: %v, want ErrLimit", n, err)
	}
	if most := maxRecode(db.size) / names; int64(n) > most {
		t.Errorf("%d changes before ErrLimit, want at most %d (the names' checks counted)", n, most)
	}
	// Once past the bound, a change fails before looking at the names.
	if err := db.SetCodepage(cps[n%2]); !errors.Is(err, ErrLimit) {
		t.Errorf("the change after the bound: %v, want ErrLimit", err)
	}
}
