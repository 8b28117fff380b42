package msi

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
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

// compareExports requires msiinfo export of every table to give the same
// bytes for theirs (made by msitools) and ours, running msiinfo in wantDir
// and gotDir (binary cells land there).
func compareExports(t *testing.T, msiinfo, theirs, ours, wantDir, gotDir string, tables []string) {
	t.Helper()
	for _, table := range tables {
		want, err1 := runMsiinfo(t, msiinfo, wantDir, "export", theirs, table)
		got, err2 := runMsiinfo(t, msiinfo, gotDir, "export", ours, table)
		if err1 != nil || err2 != nil {
			t.Errorf("msiinfo export %s: %v / %v", table, err1, err2)
			continue
		}
		if !bytes.Equal(want, got) {
			t.Errorf("msiinfo export %s differs (-msibuild +msikit):\n%s", table,
				cmp.Diff(strings.Split(string(want), "\r\n"), strings.Split(string(got), "\r\n")))
		}
	}
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
	if err == nil || !strings.Contains(err.Error(), "Caf") {
		t.Fatalf("SetCodepage(1251): %v, want an error naming the string", err)
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

// TestForceCodepageMatchesMsibuild imports _ForceCodepage.idt with msikit
// and with msibuild into copies of one package holding non-ASCII text and
// requires identical msiinfo output for every table.
func TestForceCodepageMatchesMsibuild(t *testing.T) {
	msibuild := testenv.NeedTool(t, "msibuild", "msitools")
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	_, base := withText(t)
	dir := t.TempDir()
	idt := filepath.Join(dir, "_ForceCodepage.idt")
	if err := os.WriteFile(idt, []byte("\r\n\r\n65001\t_ForceCodepage\r\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	theirs, ours := filepath.Join(dir, "msibuild.msi"), filepath.Join(dir, "msikit.msi")
	if err := os.WriteFile(theirs, src, 0o666); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(msibuild, theirs, "-i", idt).CombinedOutput(); err != nil {
		t.Fatalf("msibuild -i _ForceCodepage.idt: %v\n%s", err, out)
	}
	db, err := Open(base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ImportIDTFile(idt); err != nil {
		t.Fatal(err)
	}
	// msibuild keeps the PackageCode; so does this comparison.
	if err := db.Save(ours, &SaveOptions{WriteOptions: WriteOptions{KeepPackageCode: true}}); err != nil {
		t.Fatal(err)
	}
	tablesOut, err := runMsiinfo(t, msiinfo, dir, "tables", theirs)
	if err != nil {
		t.Fatal(err)
	}
	tables := append(strings.Fields(string(tablesOut)), ForceCodepageTable)
	compareExports(t, msiinfo, theirs, ours, t.TempDir(), t.TempDir(), tables)
	prop, _ := runMsiinfo(t, msiinfo, dir, "export", ours, "Property")
	if !strings.Contains(string(prop), "Café\tÄ€ — déjà vu") {
		t.Errorf("msiinfo export Property of the UTF-8 database lacks the text:\n%s", prop)
	}
}
