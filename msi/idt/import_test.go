package idt

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/msikit/msikit/msi"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

func openSample(t testing.TB) *msi.Database {
	t.Helper()
	return openPath(t, testenv.SampleMSI())
}

func exportString(t testing.TB, db *msi.Database, table string) string {
	t.Helper()
	var b bytes.Buffer
	if err := Export(&b, db, table, nil); err != nil {
		t.Fatalf("Export(%s): %v", table, err)
	}
	return b.String()
}

// Every table of the sample exported and imported back (replacing its rows)
// exports to the same bytes.
func TestImportIDTRoundTrip(t *testing.T) {
	db := openSample(t)
	for _, table := range Tables(db) {
		t.Run(table, func(t *testing.T) {
			before := exportString(t, db, table)
			files := fstest.MapFS{}
			tb, _ := db.Table(table)
			if tb != nil {
				for row := range tb.Rows() {
					for i, c := range tb.Columns() {
						if v := row.At(i); c.Type == msi.ColBinary && !v.IsNull() {
							files[table+"/"+v.Str()] = &fstest.MapFile{Data: []byte("data of " + v.Str())}
						}
					}
				}
			}
			if _, err := Import(db, strings.NewReader(before), files); err != nil {
				t.Fatalf("ImportIDT: %v", err)
			}
			if after := exportString(t, db, table); after != before {
				t.Errorf("export after import differs:\n%s", cmp.Diff(before, after))
			}
		})
	}
}

func TestImportIDTSemantics(t *testing.T) {
	db := openSample(t)
	// A new table with CR LF inside a value (msidb's 0x11 0x19 escape), an
	// embedded NUL (LF), blank lines (skipped, as msibuild does), a missing
	// final line end and trailing NUL bytes.
	idt := "Key\tNum\tText\r\ns10\tI4\tL0\r\nNewTable\tKey\r\n" +
		"a\t\tone\x00two\r\n" +
		"b\t-5\tline1\x11\x19line2\r\n\r\n\r\n" +
		"c\t2147483647\t\x00\x00"
	if _, err := Import(db, strings.NewReader(idt), nil); err != nil {
		t.Fatal(err)
	}
	got := exportString(t, db, "NewTable")
	// The export writes LF and CR as the Archive File Format's 0x19 and
	// 0x11; the stored values hold the real characters.
	want := "Key\tNum\tText\r\ns10\tI4\tL0\r\nNewTable\tKey\r\n" +
		"a\t\tone\x19two\r\nb\t-5\tline1\x11\x19line2\r\nc\t2147483647\t\r\n"
	nt, err := db.Table("NewTable")
	if err != nil {
		t.Fatal(err)
	}
	for key, text := range map[string]string{"a": "one\ntwo", "b": "line1\r\nline2"} {
		if r, ok := nt.Lookup(msi.StrValue(key)); !ok || r.Get("Text").Str() != text {
			t.Errorf("row %s: Text %q, want %q", key, r.Get("Text").Str(), text)
		}
	}
	if got != want {
		t.Errorf("NewTable export (-want +got):\n%s", cmp.Diff(want, got))
	}

	// Replacing rows of an existing table keeps its columns.
	prop := "Property\tValue\r\ns72\tl0\r\nProperty\tProperty\r\nOnly\tone row\r\n"
	if _, err := Import(db, strings.NewReader(prop), nil); err != nil {
		t.Fatal(err)
	}
	if got := exportString(t, db, "Property"); got != prop {
		t.Errorf("Property after import = %q", got)
	}

	// _SummaryInformation sets properties, keeping the others.
	si := "PropertyId\tValue\r\ni2\tl255\r\n_SummaryInformation\tPropertyId\r\n" +
		"2\tNew title\r\n12\t2020/01/02 03:04:05\r\n15\t10\r\n"
	if _, err := Import(db, strings.NewReader(si), nil); err != nil {
		t.Fatal(err)
	}
	// The set is stored with SetStream; read it back through a save.
	var out bytes.Buffer
	if _, err := db.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	db2, err := msi.NewDatabase(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	s, err := db2.SummaryInfo()
	if err != nil {
		t.Fatal(err)
	}
	if s.String(msi.PIDTitle) != "New title" || s.String(msi.PIDAuthor) != "make-synthetic.sh" {
		t.Errorf("Title %q, Author %q", s.String(msi.PIDTitle), s.String(msi.PIDAuthor))
	}
	if ft, _ := s.Filetime(msi.PIDCreated); msi.FormatFiletime(ft) != "2020/01/02 03:04:05" {
		t.Errorf("Created = %s", msi.FormatFiletime(ft))
	}
	if n, _ := s.Int(msi.PIDWordCount); n != 10 {
		t.Errorf("WordCount = %d", n)
	}
	if got := exportString(t, db2, "NewTable"); got != want {
		t.Errorf("NewTable after save (-want +got):\n%s", cmp.Diff(want, got))
	}

	// Same codepage: accepted as a no-op.
	cp := exportString(t, db, ForceCodepageTable)
	if _, err := Import(db, strings.NewReader(cp), nil); err != nil {
		t.Errorf("re-importing _ForceCodepage: %v", err)
	}
}

func TestImportIDTBinary(t *testing.T) {
	db := openSample(t)
	data := bytes.Repeat([]byte("icon bytes "), 1000)
	idt := "Name\tData\r\ns72\tv0\r\nIcon\tName\r\nnew.ico\tnew.ico.file\r\n"
	files := fstest.MapFS{"Icon/new.ico.file": &fstest.MapFile{Data: data}}
	if _, err := Import(db, strings.NewReader(idt), files); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := db.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	db2, err := msi.NewDatabase(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	want := "Name\tData\r\ns72\tv0\r\nIcon\tName\r\nnew.ico\tIcon.new.ico\r\n"
	if got := exportString(t, db2, "Icon"); got != want {
		t.Errorf("Icon export (-want +got):\n%s", cmp.Diff(want, got))
	}
	st, err := db2.OpenStream("Icon.new.ico")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(io.NewSectionReader(st, 0, st.Size()))
	if !bytes.Equal(got, data) {
		t.Errorf("stream Icon.new.ico: %d bytes, want %d", len(got), len(data))
	}
	// The old row's stream went with it.
	for _, s := range db2.Streams() {
		if s.Name == "Icon.app.ico" {
			t.Error("stream of the replaced row Icon.app.ico survived")
		}
	}
}

// Malformed IDT input is refused with an *Error naming the line, and
// the table is left as it was.
func TestImportErrors(t *testing.T) {
	header := "Property\tValue\r\ns72\tl0\r\nProperty\tProperty\r\n"
	tests := map[string]string{
		"empty":             "",
		"one line":          "A\tB\r\n",
		"types mismatch":    "A\tB\r\ns72\r\nT\tA\r\n",
		"bad type":          "A\r\nx9\r\nT\tA\r\n",
		"unknown key":       "A\r\ns72\r\nT\tB\r\n",
		"no table name":     "A\r\ns72\r\n\tA\r\n",
		"too few fields":    header + "OnlyKey\r\n",
		"too many fields":   header + "K\tV\tX\r\n",
		"bad integer":       "A\tN\r\ns72\ti2\r\nT2\tA\r\nk\t12abc\r\n",
		"wrong column type": "Property\tValue\r\ns72\ti2\r\nProperty\tProperty\r\nK\t1\r\n",
		"binary no folder":  "Name\tData\r\ns72\tv0\r\nIcon\tName\r\nx\tx.bin\r\n",
		"binary path":       "Name\tData\r\ns72\tv0\r\nIcon\tName\r\nx\t../x.bin\r\n",
		"suminfo pid":       "PropertyId\tValue\r\ni2\tl255\r\n_SummaryInformation\tPropertyId\r\n99\tx\r\n",
		"suminfo time":      "PropertyId\tValue\r\ni2\tl255\r\n_SummaryInformation\tPropertyId\r\n12\tyesterday\r\n",
		"suminfo codepage":  "PropertyId\tValue\r\ni2\tl255\r\n_SummaryInformation\tPropertyId\r\n1\t70000\r\n", // 16 bits
		"bare CR":           header + "K\rV\r\n",
	}
	for name, idt := range tests {
		t.Run(name, func(t *testing.T) {
			db := openSample(t)
			before := exportString(t, db, "Property")
			_, err := Import(db, strings.NewReader(idt), nil)
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if after := exportString(t, db, "Property"); after != before {
				t.Error("Property changed by a refused import")
			}
		})
	}
	// A duplicate key is refused by the table.
	db := openSample(t)
	if _, err := Import(db, strings.NewReader(header+"K\t1\r\nK\t2\r\n"), nil); err == nil {
		t.Error("duplicate key accepted")
	}
}

// TestImportMatchesMsibuild imports the same IDT files with ImportIDTFile
// and with `msibuild -i` into copies of one package and requires identical
// `msiinfo export` output for every table, and identical binary cell data.
// The IDT files come from the benchmark generator (File, Component,
// FeatureComponents, Registry and Binary with stream files), a new custom
// table, a replaced Property table and _SummaryInformation.
func TestImportMatchesMsibuild(t *testing.T) {
	msibuild := testenv.NeedTool(t, "msibuild", "msitools")
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	py := testenv.NeedOlefile(t) // Debian's python3 (the generator needs 3.9+)
	gen := filepath.Join(testenv.RepoRoot(), "..", "shared", "bench", "gen_idt.py")
	if _, err := os.Stat(gen); err != nil {
		t.Skip("benchmark generator ../shared/bench/gen_idt.py not found")
	}
	dir := t.TempDir()
	idt := filepath.Join(dir, "idt")
	rows := "300"
	if testing.Short() {
		rows = "60"
	}
	if out, err := exec.Command(py, gen, idt, rows, "12").CombinedOutput(); err != nil {
		t.Fatalf("gen_idt.py: %v\n%s", err, out)
	}
	extra := map[string]string{
		"Custom.idt": "Id\tCount\tNote\tBlob\r\ns38\tI2\tL0\tV0\r\nCustom\tId\r\n" +
			"one\t1\tfirst\tone.bin\r\ntwo\t\t\t\r\nthree\t-3\tthird row\tthree.bin\r\n",
		"Property.idt": "Property\tValue\r\ns72\tl0\r\nProperty\tProperty\r\n" +
			"ProductName\tImported product\r\nManufacturer\tAcme\r\nNewProp\tvalue with spaces\r\n",
		"_SummaryInformation.idt": "PropertyId\tValue\r\ni2\tl255\r\n_SummaryInformation\tPropertyId\r\n" +
			"3\tImported subject\r\n4\tImported author\r\n12\t2021/02/03 04:05:06\r\n14\t500\r\n",
	}
	for name, text := range extra {
		if err := os.WriteFile(filepath.Join(idt, name), []byte(text), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(idt, "Custom"), 0o777)
	os.WriteFile(filepath.Join(idt, "Custom", "one.bin"), []byte("first blob"), 0o666)
	os.WriteFile(filepath.Join(idt, "Custom", "three.bin"), bytes.Repeat([]byte{3}, 5000), 0o666)
	order := []string{"File.idt", "Component.idt", "FeatureComponents.idt", "Registry.idt", "Binary.idt",
		"Custom.idt", "Property.idt", "_SummaryInformation.idt"}

	src, err := os.ReadFile(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	theirs, ours := filepath.Join(dir, "msibuild.msi"), filepath.Join(dir, "msikit.msi")
	if err := os.WriteFile(theirs, src, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, f := range order {
		cmd := exec.Command(msibuild, theirs, "-i", f)
		cmd.Dir = idt // msibuild reads binary cells relative to its working folder
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("msibuild -i %s: %v\n%s", f, err, out)
		}
	}
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range order {
		if _, err := ImportFile(db, filepath.Join(idt, f)); err != nil {
			t.Fatalf("ImportIDTFile(%s): %v", f, err)
		}
	}
	// msibuild keeps the PackageCode; msikit gives a changed package a new
	// one unless asked not to (TestImportedPackageCodeKept and the
	// PackageCode tests cover that).
	if err := db.Save(ours, &msi.SaveOptions{WriteOptions: msi.WriteOptions{KeepPackageCode: true}}); err != nil {
		t.Fatal(err)
	}

	tablesOut, err := testenv.Msiinfo(t, msiinfo, dir, "tables", theirs)
	if err != nil {
		t.Fatal(err)
	}
	tables := strings.Fields(string(tablesOut))
	oursTables, _ := testenv.Msiinfo(t, msiinfo, dir, "tables", ours)
	if diff := cmp.Diff(tables, strings.Fields(string(oursTables))); diff != "" {
		t.Errorf("msiinfo tables differ (-msibuild +msikit):\n%s", diff)
	}
	wantDir, gotDir := filepath.Join(dir, "want"), filepath.Join(dir, "got")
	os.Mkdir(wantDir, 0o777)
	os.Mkdir(gotDir, 0o777)
	compareExports(t, msiinfo, theirs, ours, wantDir, gotDir, tables)
	n, err := compareTrees(wantDir, gotDir)
	if err != nil {
		t.Error(err)
	}
	t.Logf("%d tables and %d binary cell files identical after msibuild -i and msikit import", len(tables), n)
}
