package idt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/msi"

	"github.com/msikit/msikit/internal/testenv"
)

// bounded runs f and fails if it takes more than a second (scaled under
// the race detector, tried twice) or grows the heap by more than 64 MiB
// (the safety budget for adversarial input). f must be repeatable.
func bounded(t *testing.T, f func()) {
	t.Helper()
	testenv.CheckBudget(t, t.Name(), f)
}

// Hostile inputs to the IDT parser fail fast, with little memory, and
// with the right error.
func TestAdversarialInputsBounded(t *testing.T) {
	t.Run("idt endless line", func(t *testing.T) {
		db := openSample(t)
		bounded(t, func() {
			r := io.MultiReader(strings.NewReader("A\r\ns0\r\nT\tA\r\n"), &repeatReader{b: 'x', n: 64 << 20})
			_, err := Import(db, r, nil)
			var ie *Error
			if !errors.As(err, &ie) {
				t.Errorf("err = %v, want *Error", err)
			}
		})
	})
	t.Run("idt many columns", func(t *testing.T) {
		db := openSample(t)
		names := strings.Repeat("c\t", 100000) + "c"
		types := strings.Repeat("s0\t", 100000) + "s0"
		bounded(t, func() {
			if _, err := Import(db, strings.NewReader(names+"\r\n"+types+"\r\nT\tc\r\n"), nil); err == nil {
				t.Error("a table of 100,001 columns was accepted")
			}
		})
	})
	// Keys are matched to columns before the column count is checked:
	// 300,000 keys naming one of 300,000 columns (2.1 MB) took minutes;
	// 100,000 of 100,000 (0.7 MB) took 23 s of CPU
	// when each key scanned the columns.
	t.Run("idt many keys", func(t *testing.T) {
		db := openSample(t)
		names := strings.Repeat("c\t", 100000) + "c"
		types := strings.Repeat("i2\t", 100000) + "i2"
		keys := "T" + strings.Repeat("\tc", 100000)
		bounded(t, func() {
			if _, err := Import(db, strings.NewReader(names+"\r\n"+types+"\r\n"+keys+"\r\n"), nil); err == nil {
				t.Error("a table of 100,001 columns was accepted")
			}
		})
	})
}

type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.n)
	for i := range p[:n] {
		p[i] = r.b
	}
	r.n -= n
	return n, nil
}

// Binary cells whose stream names would escape the export folder are
// refused, and nothing is written outside it.
func TestExportRefusesUnsafeNames(t *testing.T) {
	db := openSample(t)
	idt := "Name\tData\r\ns72\tv0\r\nEvil\tName\r\nx\\..\\..\\y\tf.bin\r\n"
	files := fstest.MapFS{"Evil/f.bin": &fstest.MapFile{Data: []byte("payload")}}
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
	root := t.TempDir()
	dir := filepath.Join(root, "export")
	os.Mkdir(dir, 0o777)
	if err := ExportDir(dir, db2, "Evil"); err == nil {
		t.Error("an unsafe binary cell name was written as a file")
	}
	// Only the export folder may have been touched.
	ents, _ := os.ReadDir(root)
	if len(ents) != 1 {
		t.Errorf("files appeared beside the export folder: %v", ents)
	}
	// The text export (no files) still works and shows the name.
	var text bytes.Buffer
	if err := Export(&text, db2, "Evil", nil); err != nil || !strings.Contains(text.String(), `Evil.x\..\..\y`) {
		t.Errorf("text export: %v\n%s", err, text.String())
	}
}

// ExportIDTDir skips tables and binary cells whose names cannot be file
// names, exports the rest, and reports each refusal (matching
// ErrUnsafeName); nothing appears outside the folder.
func TestExportIDTDirRefusesAndContinues(t *testing.T) {
	db := openSample(t)
	key := []msi.Column{{Name: "K", Type: msi.ColString, Size: 72, Key: true}}
	for _, name := range []string{"../escaped", "CON", "esc\x1b[2J", "Fine"} {
		tab, err := db.CreateTable(name, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := tab.Insert(msi.StrValue("row")); err != nil {
			t.Fatal(err)
		}
	}
	icon, _ := db.Table("Icon")
	if err := icon.Insert(msi.StrValue("bad\x07"), msi.BinaryValue()); err != nil {
		t.Fatal(err)
	}
	if err := db.SetStream("Icon.bad\x07", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "sub", "export")
	err := ExportDir(dir, db)
	if !errors.Is(err, ErrUnsafeName) {
		t.Fatalf("err = %v, want one matching ErrUnsafeName", err)
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok || len(j.Unwrap()) != 4 {
		t.Fatalf("err = %v, want 4 joined refusals", err)
	}
	for _, want := range []string{`"../escaped"`, `"CON"`, `"esc\x1b[2J"`, `"Icon.bad\a"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	for _, f := range []string{"Fine.idt", "Property.idt", "Icon.idt", "Icon/Icon.app.ico", "_SummaryInformation.idt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(root, "sub"))
	if len(ents) != 1 || ents[0].Name() != "export" {
		t.Errorf("beside the export folder: %v", ents)
	}
	ents, _ = os.ReadDir(root)
	if len(ents) != 1 {
		t.Errorf("files appeared outside the export folder: %v", ents)
	}
}

// A table that does not decode stops ExportIDTDir, and the folder does not
// appear at all (no partial export).
func TestExportIDTDirFailureLeavesNothing(t *testing.T) {
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "msi-table-not-row-multiple.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	root := t.TempDir()
	err = ExportDir(filepath.Join(root, "export"), db)
	if !errors.Is(err, msi.ErrFormat) {
		t.Fatalf("err = %v, want ErrFormat", err)
	}
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("a failed export left %v", ents)
	}
}

// ImportIDT and CreateTable refuse the names Windows Installer reserves;
// the database is unchanged and still writes a readable package.
func TestImportRefusesReservedNames(t *testing.T) {
	for _, name := range []string{"_StringPool", "_StringData", "_Tables", "_Columns", "_Streams", "_Storages", "_TransformView"} {
		db := openSample(t)
		idt := "A\tB\r\ni2\ti2\r\n" + name + "\tA\r\n1\t2\r\n"
		_, err := Import(db, strings.NewReader(idt), nil)
		var ie *Error
		if !errors.As(err, &ie) || ie.Line != 3 || !strings.Contains(err.Error(), "reserved") {
			t.Errorf("import of %s: %v, want an Error on line 3 saying the name is reserved", name, err)
		}
		if _, err := db.CreateTable(name, []msi.Column{{Name: "A", Type: msi.ColInt16, Key: true}}); err == nil {
			t.Errorf("CreateTable(%s) succeeded", name)
		}
		if db.Modified() {
			t.Errorf("%s: the database changed", name)
		}
	}
	db := openSample(t)
	if _, err := db.CreateTable("_Validation", []msi.Column{{Name: "Table", Type: msi.ColString, Size: 32, Key: true}}); err != nil {
		t.Errorf("CreateTable(_Validation): %v", err)
	}
}

// Import refuses a new table whose name holds a character a compound
// file's entry names cannot ([MS-CFB] 2.6.1: / \ : !), which the table
// stream's name would keep; the database is unchanged.
func TestImportRefusesNamesNoStreamCanHave(t *testing.T) {
	for _, name := range []string{"a/b", `a\b`, "Drive:C", "Bang!"} {
		db := openSample(t)
		idt := "A\tB\r\ni2\ti2\r\n" + name + "\tA\r\n1\t2\r\n"
		_, err := Import(db, strings.NewReader(idt), nil)
		var ie *Error
		if !errors.As(err, &ie) || ie.Line != 3 || !strings.Contains(err.Error(), "compound file") {
			t.Errorf("import of %s: %v, want an Error on line 3 saying a compound file's stream cannot be so named", name, err)
		}
		if db.Modified() {
			t.Errorf("%s: the database changed", name)
		}
	}
}

// SECURITY.md states the IDT line limit the importer enforces.
func TestIDTLineLimitDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "SECURITY.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("| one IDT line (row) on import | %d MiB |", maxLine>>20)
	if !strings.Contains(string(b), want) {
		t.Errorf("SECURITY.md lacks %q", want)
	}
}

// Cells naming one file share it (one lazyFile, kept in memory when
// small) up to MaxCellCopies of copies; past that the import fails with
// ErrTooLarge and changes nothing. A file named by a few cells gives each
// row a stream of its bytes.
func TestImportCellCopiesBounded(t *testing.T) {
	idtOf := func(n int) string {
		var b strings.Builder
		b.WriteString("Name\tData\r\ns72\tv0\r\nIcon\tName\r\n")
		for i := range n {
			fmt.Fprintf(&b, "i%d\tf\r\n", i)
		}
		return b.String()
	}
	small := bytes.Repeat([]byte("icon"), 25)
	big := fstest.MapFS{"Icon/f": &fstest.MapFile{Data: make([]byte, 1<<20)}}
	for _, tt := range []struct {
		name  string
		files fstest.MapFS
		n     int
	}{
		{"1 MiB file in 66 cells", big, 66},
		{"100 bytes in 16,386 cells", fstest.MapFS{"Icon/f": &fstest.MapFile{Data: small}}, MaxCellCopies/minCopyCost + 2},
	} {
		db := openSample(t)
		_, err := Import(db, strings.NewReader(idtOf(tt.n)), tt.files)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", tt.name, err)
		}
		if db.Modified() {
			t.Errorf("%s: the database changed", tt.name)
		}
	}
	db := openSample(t)
	if _, err := Import(db, strings.NewReader(idtOf(65)), big); err != nil {
		t.Fatalf("1 MiB file in 65 cells: %v", err)
	}
	db = openSample(t)
	if _, err := Import(db, strings.NewReader(idtOf(50)), fstest.MapFS{"Icon/f": &fstest.MapFile{Data: small}}); err != nil {
		t.Fatal(err)
	}
	db2, _ := saveReopen(t, db, "cells.msi")
	for i := range 50 {
		st, err := db2.OpenStream(fmt.Sprintf("Icon.i%d", i))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(io.NewSectionReader(st, 0, st.Size()))
		if !bytes.Equal(got, small) {
			t.Fatalf("stream Icon.i%d: %q, want %q", i, got, small)
		}
	}
}

// Errors about an IDT file quote its values clipped (internal/clip): a
// 1 MiB table name, column type, key column, integer, cell file name or
// summary property id gives a message of a few hundred bytes, not one as
// long as the line.
func TestImportErrorsClipped(t *testing.T) {
	l := strings.Repeat("x", 1<<20)
	for _, text := range []string{
		"A\tB\r\ns72\ti2\r\n" + l + "\tA\r\nx\t1\r\n",
		"A\tB\r\ns72\t" + l + "\r\nT\tA\r\n",
		"A\tB\r\ns72\ti2\r\nT\t" + l + "\r\n",
		"A\tB\r\ns72\ti2\r\nT\tA\r\nx\t" + l + "\r\n",
		"A\tB\r\ns72\tv0\r\nT\tA\r\nx\t" + l + "/\r\n",
		"1\t2\r\ni2\ts255\r\n_SummaryInformation\r\n" + l + "\t1\r\n",
		"1\t2\r\ni2\ts255\r\n_SummaryInformation\r\n14\t" + l + "\r\n",
	} {
		db := openSample(t)
		_, err := Import(db, strings.NewReader(text), fstest.MapFS{})
		if err == nil {
			t.Errorf("%.40q...: imported", text)
			continue
		}
		if n := len(err.Error()); n > 1000 {
			t.Errorf("%.40q...: a message of %d bytes: %.200s", text, n, err)
		}
	}
}

// An Importer bounds the copies of cell files for all the IDT files it
// imports: 20 tables whose one cell names a hard link of one 4 MiB file
// are 19 copies, past MaxCellCopies, while ImportFile counts each file
// alone.
func TestImporterCopiesAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	var files []string
	for i := range 20 {
		table := fmt.Sprintf("T%d", i)
		if err := os.Mkdir(filepath.Join(dir, table), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Link(big, filepath.Join(dir, table, "big")); err != nil {
			t.Skipf("no hard links here: %v", err)
		}
		f := filepath.Join(dir, table+".idt")
		if err := os.WriteFile(f, []byte("Name\tData\r\ns72\tv0\r\n"+table+"\tName\r\nbig\tbig\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	db := openSample(t)
	for _, f := range files {
		if _, err := ImportFile(db, f); err != nil {
			t.Fatalf("ImportFile: %v", err)
		}
	}
	db = openSample(t)
	var im Importer
	var err error
	n := 0
	for _, f := range files {
		if _, err = im.ImportFile(db, f); err != nil {
			break
		}
		n++
	}
	// 16 copies of 4 MiB are MaxCellCopies: the 18th file goes past.
	if !errors.Is(err, ErrTooLarge) || n != 17 {
		t.Errorf("%d files imported, then %v; want 17, then ErrTooLarge", n, err)
	}
}

// A binary cell whose row's key cannot name a stream (it holds NUL, which
// the File Format's 0x15 escape gives, or packs into more than 31 units)
// is refused with the line, before the table changes: the import used
// to keep the rows and fail on the stream, or to be accepted and make a
// database that could not be written.
func TestImportRefusesKeysThatCannotNameAStream(t *testing.T) {
	files := fstest.MapFS{"Icon/f.bin": &fstest.MapFile{Data: []byte("icon")}}
	for _, tt := range []struct {
		name, key, want string
	}{
		{"NUL", "x\x15", "holds NUL"},
		{"long", strings.Repeat("é", 40), "longer than 31 units"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := openSample(t)
			before := exportString(t, db, "Icon")
			text := "Name\tData\r\ns72\tv0\r\nIcon\tName\r\nok.ico\tf.bin\r\n" + tt.key + "\tf.bin\r\n"
			_, err := Import(db, strings.NewReader(text), files)
			var ie *Error
			if !errors.As(err, &ie) || ie.Line != 5 || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Import: %v, want an *idt.Error at line 5 saying %q", err, tt.want)
			}
			if diff := cmp.Diff(before, exportString(t, db, "Icon")); diff != "" {
				t.Errorf("the refused import changed the table (-before +after):\n%s", diff)
			}
			var out bytes.Buffer
			if _, err := db.WriteTo(&out); err != nil {
				t.Errorf("WriteTo after the refused import: %v", err)
			}
		})
	}
}

// Two rows whose stream names differ only in case (keys "é" and "É": a
// compound file compares names upper-cased) were imported, and the
// second stream was then refused after the rows were in the table,
// leaving a row without its stream. The second row is refused with its
// line before the table changes; a key that differs in more than case
// is fine.
func TestImportRefusesStreamNamesDifferingOnlyInCase(t *testing.T) {
	files := fstest.MapFS{"Icon/f.bin": &fstest.MapFile{Data: []byte("icon")}}
	db := openSample(t)
	before := exportString(t, db, "Icon")
	text := "Name\tData\r\ns72\tv0\r\nIcon\tName\r\né.ico\tf.bin\r\nÉ.ico\tf.bin\r\n"
	_, err := Import(db, strings.NewReader(text), files)
	var ie *Error
	if !errors.As(err, &ie) || ie.Line != 5 || !strings.Contains(err.Error(), `"Icon.É.ico" differs only in case from the stream name of line 4's row`) {
		t.Fatalf("Import: %v, want an *idt.Error at line 5 naming line 4's stream", err)
	}
	if diff := cmp.Diff(before, exportString(t, db, "Icon")); diff != "" {
		t.Errorf("the refused import changed the table (-before +after):\n%s", diff)
	}
	text = "Name\tData\r\ns72\tv0\r\nIcon\tName\r\né.ico\tf.bin\r\nÈ.ico\tf.bin\r\n"
	if _, err := Import(db, strings.NewReader(text), files); err != nil {
		t.Fatalf("Import of é and È: %v", err)
	}
	var out bytes.Buffer
	if _, err := db.WriteTo(&out); err != nil {
		t.Errorf("WriteTo: %v", err)
	}
}

// Keys joined by "." can give two rows one stream name: ("a.b", "c") and
// ("a", "b.c") both name the stream T.a.b.c. The import kept both rows
// and set the stream twice, so both cells read the second file's bytes
// and the first file's were lost without a word. The second row is
// refused with its line before anything changes.
func TestImportRefusesRowsSharingAStreamName(t *testing.T) {
	files := fstest.MapFS{
		"T/one": &fstest.MapFile{Data: []byte("ONE")},
		"T/two": &fstest.MapFile{Data: []byte("TWO")},
	}
	db := openSample(t)
	text := "A\tB\tData\r\ns72\ts72\tv0\r\nT\tA\tB\r\na.b\tc\tone\r\na\tb.c\ttwo\r\n"
	_, err := Import(db, strings.NewReader(text), files)
	var ie *Error
	if !errors.As(err, &ie) || ie.Line != 5 || !strings.Contains(err.Error(), `"T.a.b.c" is also the stream name of line 4's row`) {
		t.Fatalf("Import: %v, want an *idt.Error at line 5 naming line 4's row", err)
	}
	if db.HasTable("T") {
		t.Error("the refused import created the table")
	}
	// Keys with dots that name different streams are fine.
	text = "A\tB\tData\r\ns72\ts72\tv0\r\nT\tA\tB\r\na.b\tc\tone\r\na\tb.d\ttwo\r\n"
	if _, err := Import(db, strings.NewReader(text), files); err != nil {
		t.Fatalf("Import: %v", err)
	}
	tab, err := db.Table("T")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for r := range tab.Rows() {
		rd, err := r.OpenStream("Data")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rd)
		got[r.StreamName()] = string(b)
	}
	if diff := cmp.Diff(map[string]string{"T.a.b.c": "ONE", "T.a.b.d": "TWO"}, got); diff != "" {
		t.Errorf("streams (-want +got):\n%s", diff)
	}
}
