package idt

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// saveReopen saves db as name in a temporary folder and opens the result
// (closed when the test ends); it returns the new database and its path.
func saveReopen(t *testing.T, db *msi.Database, name string) (*msi.Database, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := db.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	db2, err := msi.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	return db2, path
}

// withText returns the sample database in codepage 1252 with a Property
// row whose key and value are non-ASCII, saved and reopened.
func withText(t *testing.T) (*msi.Database, string) {
	t.Helper()
	db := openSample(t)
	if err := db.SetCodepage(1252); err != nil {
		t.Fatalf("SetCodepage(1252) on an ASCII database: %v", err)
	}
	props, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	if err := props.Insert(msi.StrValue("Café"), msi.StrValue("Ä€ — déjà vu")); err != nil {
		t.Fatal(err)
	}
	return saveReopen(t, db, "text.msi")
}

// compareExports requires msiinfo export of every table to give the same
// bytes for theirs (made by msitools) and ours, running msiinfo in wantDir
// and gotDir (binary cells land there).
func compareExports(t *testing.T, msiinfo, theirs, ours, wantDir, gotDir string, tables []string) {
	t.Helper()
	for _, table := range tables {
		want, err1 := testenv.Msiinfo(t, msiinfo, wantDir, "export", theirs, table)
		got, err2 := testenv.Msiinfo(t, msiinfo, gotDir, "export", ours, table)
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
	db, err := msi.Open(base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := ImportFile(db, idt); err != nil {
		t.Fatal(err)
	}
	// msibuild keeps the PackageCode; so does this comparison.
	if err := db.Save(ours, &msi.SaveOptions{WriteOptions: msi.WriteOptions{KeepPackageCode: true}}); err != nil {
		t.Fatal(err)
	}
	tablesOut, err := testenv.Msiinfo(t, msiinfo, dir, "tables", theirs)
	if err != nil {
		t.Fatal(err)
	}
	tables := append(strings.Fields(string(tablesOut)), ForceCodepageTable)
	compareExports(t, msiinfo, theirs, ours, t.TempDir(), t.TempDir(), tables)
	prop, _ := testenv.Msiinfo(t, msiinfo, dir, "export", ours, "Property")
	if !strings.Contains(string(prop), "Café\tÄ€ — déjà vu") {
		t.Errorf("msiinfo export Property of the UTF-8 database lacks the text:\n%s", prop)
	}
}
