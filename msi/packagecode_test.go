package msi

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
)

func packageCodeOf(t *testing.T, path string) string {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	code, err := db.PackageCode()
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestNewPackageCode checks that a write that changes tables gives the
// package a new PackageCode by default, and that summary-only changes,
// re-encoding and KeepPackageCode keep it.
func TestNewPackageCode(t *testing.T) {
	orig := packageCodeOf(t, coreSample)
	editProperty := func(db *Database) {
		prop, err := db.Table("Property")
		if err != nil {
			t.Fatal(err)
		}
		if err := prop.Insert(StrValue("MSIKIT_EDIT"), StrValue("yes")); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		edit    func(*Database)
		opts    *SaveOptions
		renewed bool
	}{
		{"table edit", editProperty, nil, true},
		{"table edit, KeepPackageCode", editProperty, &SaveOptions{WriteOptions: WriteOptions{KeepPackageCode: true}}, false},
		{"new table", func(db *Database) {
			if _, err := db.CreateTable("Extra", []Column{{Name: "K", Type: ColString, Size: 72, Key: true}}); err != nil {
				t.Fatal(err)
			}
		}, nil, true},
		{"binary stream", func(db *Database) {
			if err := db.SetStream("Binary.Extra", strings.NewReader("x"), 1); err != nil {
				t.Fatal(err)
			}
		}, nil, true},
		{"summary only", func(db *Database) {
			si, err := db.SummaryInfo()
			if err != nil {
				t.Fatal(err)
			}
			si.SetString(PIDSubject, "changed subject")
			if err := db.SetSummaryInfo(si); err != nil {
				t.Fatal(err)
			}
		}, nil, false},
		{"compact (repack)", func(*Database) {}, &SaveOptions{WriteOptions: WriteOptions{Compact: true}}, false},
		{"nothing", func(*Database) {}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(coreSample)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			tt.edit(db)
			out := filepath.Join(t.TempDir(), "out.msi")
			if err := db.Save(out, tt.opts); err != nil {
				t.Fatal(err)
			}
			got := packageCodeOf(t, out)
			if tt.renewed {
				if got == orig || !reGUID.MatchString(got) {
					t.Errorf("PackageCode %q after the write, want a new GUID (was %q)", got, orig)
				}
				// The database in memory shows the code it wrote.
				if mem, _ := db.PackageCode(); mem != got {
					t.Errorf("database says %q, file has %q", mem, got)
				}
			} else if got != orig {
				t.Errorf("PackageCode %q, want %q kept", got, orig)
			}
		})
	}
}

// TestDerivedPackageCode: the PackageCode a write gives a changed package
// depends on the change and the package only: the same edit of the same
// package, made twice, gives the same code and byte-identical files;
// another edit (of a table, of a binary stream) gives another code.
func TestDerivedPackageCode(t *testing.T) {
	insert := func(value string) func(*Database) error {
		return func(db *Database) error {
			prop, err := db.Table("Property")
			if err != nil {
				return err
			}
			return prop.Insert(StrValue("MSIKIT_EDIT"), StrValue(value))
		}
	}
	stream := func(data string) func(*Database) error {
		return func(db *Database) error {
			return db.SetStream("Binary.Extra", strings.NewReader(data), int64(len(data)))
		}
	}
	write := func(edit func(*Database) error) (code string, file []byte) {
		t.Helper()
		db, err := Open(coreSample)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := edit(db); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := db.Write(&b, nil); err != nil {
			t.Fatal(err)
		}
		out, err := NewDatabase(bytes.NewReader(b.Bytes()), int64(b.Len()))
		if err != nil {
			t.Fatal(err)
		}
		code, err = out.PackageCode()
		if err != nil {
			t.Fatal(err)
		}
		return code, b.Bytes()
	}
	orig := packageCodeOf(t, coreSample)
	codes := map[string]string{}
	for _, tc := range []struct {
		name string
		edit func(*Database) error
	}{
		{"insert yes", insert("yes")},
		{"insert no", insert("no")},
		{"stream x", stream("x")},
		{"stream y", stream("y")},
	} {
		code1, file1 := write(tc.edit)
		code2, file2 := write(tc.edit)
		if code1 != code2 || !bytes.Equal(file1, file2) {
			t.Errorf("%s twice: PackageCodes %s and %s, files equal %v; want one code and equal files", tc.name, code1, code2, bytes.Equal(file1, file2))
		}
		if code1 == orig || !reGUID.MatchString(code1) {
			t.Errorf("%s: PackageCode %q, want a new GUID (was %q)", tc.name, code1, orig)
		}
		for other, c := range codes {
			if c == code1 {
				t.Errorf("%s and %s give the same PackageCode %s", tc.name, other, c)
			}
		}
		codes[tc.name] = code1
	}
}

// TestRenewPackageCodeKinds checks that patches keep their Revision Number
// (a patch code list, not a PackageCode).
func TestRenewPackageCodeKinds(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("corpus not available")
	}
	db, err := Open(filepath.Join(dir, "real/wix3-GDR1-gdr1.msp"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old, code, err := db.RenewPackageCode()
	if err != nil || old != "" || code != "" {
		t.Errorf("RenewPackageCode on a patch = %q, %q, %v; want nothing done", old, code, err)
	}
}

// TestDropSignatureUnchanged checks that DropSignature removes a signature
// only when the write changes the package: an unchanged signed package
// keeps a signature that still verifies (osslsigncode).
func TestDropSignatureUnchanged(t *testing.T) {
	oss := testenv.NeedTool(t, "osslsigncode", "osslsigncode")
	dir := t.TempDir()
	cert, keyf := testenv.SigningCert(t)
	signed := filepath.Join(dir, "signed.msi")
	if out, err := exec.Command(oss, "sign", "-certs", cert, "-key", keyf, "-in", coreSample, "-out", signed).CombinedOutput(); err != nil {
		t.Fatalf("osslsigncode sign: %v\n%s", err, out)
	}
	verify := func(path string) bool {
		out, err := exec.Command(oss, "verify", "-CAfile", cert, "-ignore-cdp", "-in", path).CombinedOutput()
		return err == nil && strings.Contains(string(out), "Signature verification: ok")
	}
	if !verify(signed) {
		t.Fatal("osslsigncode cannot verify its own signature")
	}
	for _, edit := range []bool{false, true} {
		db, err := Open(signed)
		if err != nil {
			t.Fatal(err)
		}
		if edit {
			prop, _ := db.Table("Property")
			if err := prop.Insert(StrValue("MSIKIT_EDIT"), StrValue("yes")); err != nil {
				t.Fatal(err)
			}
		}
		drops := db.DropsSignature(&WriteOptions{DropSignature: true})
		out := filepath.Join(dir, "out.msi")
		if err := db.Save(out, &SaveOptions{WriteOptions: WriteOptions{DropSignature: true}}); err != nil {
			t.Fatal(err)
		}
		db.Close()
		db2, err := Open(out)
		if err != nil {
			t.Fatal(err)
		}
		stillSigned := db2.Signed()
		db2.Close()
		if drops != edit || stillSigned == edit {
			t.Errorf("edit %v: DropsSignature %v, output signed %v", edit, drops, stillSigned)
		}
		if !edit && !verify(out) {
			t.Error("the unchanged package's signature no longer verifies")
		}
	}
}

// TestDuplicateSummaryStream checks a package that carries a second copy
// of the summary information under a packed (non-standard) name: msikit
// reads the literally named stream, as msiinfo does, and an import of
// _SummaryInformation changes that one; the copy is kept as it was.
func TestDuplicateSummaryStream(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	dir := t.TempDir()
	in := filepath.Join(dir, "dup.msi")
	writeWithStaleSummaryCopy(t, coreSample, in)

	db, err := Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if !strings.Contains(strings.Join(db.Warnings, "\n"), `two streams are named "\x05SummaryInformation"`) {
		t.Errorf("no warning about the copy: %q", db.Warnings)
	}
	si, err := db.SummaryInfo()
	if err != nil {
		t.Fatal(err)
	}
	if s := si.String(PIDSubject); s == "stale copy" {
		t.Fatal("msikit reads the packed-name copy, msiinfo the literal stream")
	}
	// What importing a _SummaryInformation IDT file does (msi/idt).
	importSummaryString(t, db, PIDSubject, "Imported subject")
	out := filepath.Join(dir, "out.msi")
	if err := db.Save(out, nil); err != nil {
		t.Fatal(err)
	}
	got, err := testenv.Msiinfo(t, msiinfo, dir, "suminfo", out)
	if err != nil {
		t.Fatalf("msiinfo suminfo: %v\n%s", err, got)
	}
	if !bytes.Contains(got, []byte("Subject: Imported subject")) {
		t.Errorf("msiinfo suminfo does not show the import:\n%s", got)
	}
	db2, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	var copies int
	for _, e := range db2.cf.Root.Children {
		if name, _ := unpackName(e.RawName); name == SummaryInfoStream {
			copies++
		}
	}
	if copies != 2 {
		t.Errorf("%d summary streams after the import, want the stream and its kept copy", copies)
	}
	if si2, _ := db2.SummaryInfo(); si2.String(PIDSubject) != "Imported subject" {
		t.Errorf("msikit reads Subject %q after the import", si2.String(PIDSubject))
	}
}

// writeWithStaleSummaryCopy copies src to dst adding a summary stream
// whose name is packed ("\x05" then "SummaryInformation" two characters
// per unit), with Subject "stale copy". The packed name is shorter, so it
// sorts first in the directory.
func writeWithStaleSummaryCopy(t *testing.T, src, dst string) {
	t.Helper()
	db, err := Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	si, err := db.SummaryInfo()
	if err != nil {
		t.Fatal(err)
	}
	si.SetString(PIDSubject, "stale copy")
	stale, err := si.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	rest, err := packName("SummaryInformation", false)
	if err != nil {
		t.Fatal(err)
	}
	raw := append([]uint16{5}, rest...)
	if name, _ := unpackName(raw); name != SummaryInfoStream {
		t.Fatalf("packed name decodes to %q", name)
	}
	var buf bytes.Buffer
	root := db.cf.Root
	w := cfb.NewWriter(&buf, nil)
	w.SetRoot(cfb.Header{RawName: root.RawName, CLSID: root.CLSID})
	for _, e := range root.Children {
		if err := w.Copy(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.CreateHeaderFrom("", &cfb.Header{RawName: raw}, bytes.NewReader(stale), int64(len(stale))); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestImportedPackageCodeKept checks that a Revision Number the caller sets
// (an imported _SummaryInformation.idt) is kept by the write, even when
// tables changed too.
func TestImportedPackageCodeKept(t *testing.T) {
	db, err := Open(coreSample)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const code = "{11111111-2222-3333-4444-555555555555}"
	importSummaryString(t, db, PIDRevision, code)
	prop, _ := db.Table("Property")
	if err := prop.Insert(StrValue("MSIKIT_EDIT"), StrValue("yes")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.msi")
	if err := db.Save(out, nil); err != nil {
		t.Fatal(err)
	}
	if got := packageCodeOf(t, out); got != code {
		t.Errorf("PackageCode %q, want the imported %q", got, code)
	}
}

// importSummaryString sets a summary information string the way msi/idt
// imports a _SummaryInformation row: the bytes as given, then
// SetSummaryInfo.
func importSummaryString(t *testing.T, db *Database, id PropertyID, s string) {
	t.Helper()
	si, err := db.SummaryInfo()
	if err != nil {
		t.Fatal(err)
	}
	if err := si.SetRawString(id, []byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSummaryInfo(si); err != nil {
		t.Fatal(err)
	}
}
