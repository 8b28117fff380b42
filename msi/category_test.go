package msi

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// knownInvalid lists corpus values that break their own package's
// _Validation table, by "file: Table.Column". Strict mode refuses such
// values, rightly.
var knownInvalid = map[string]string{
	// UIText keys written with a mnemonic "&" ("&SelAbsentCD"): not
	// Identifiers, and not the keys Windows Installer looks up.
	"lessmsi-VBRuntime.msi: UIText.Key": "Identifier",
	// WiX 3's _Validation gives LockPermissions.Table the set
	// "Directory;File;Registry"; WiX itself writes CreateFolder there, which
	// the LockPermissions documentation allows. The packages' own
	// _Validation is out of date.
	"wix-Decompile-LockPermissions.msi: LockPermissions.Table":                                       "Identifier",
	"wix3-CreateFolderTests-CreateFolderWithMultiplePermissions-expected.msi: LockPermissions.Table": "Identifier",
	"wix3-CreateFolderTests-CreateFolderWithPermissions-expected.msi: LockPermissions.Table":         "Identifier",
}

// TestValidationAcceptsCorpus runs the strict-mode checks over every value
// of every corpus package that has a _Validation table. Packages that
// shipped must pass, except the values knownInvalid lists, so a failure here
// is a check that would refuse a valid edit.
func TestValidationAcceptsCorpus(t *testing.T) {
	checked := 0
	refused := map[string]string{} // "file: Table.Column" -> category
	for _, path := range testenv.CorpusFiles(t) {
		if strings.HasPrefix(filepath.Base(path), "corrupt-") {
			continue
		}
		db, err := Open(path)
		if err != nil {
			continue
		}
		vt := db.byName["_Validation"]
		if vt == nil || db.load(vt) != nil {
			db.Close()
			continue
		}
		for _, tbl := range db.tables {
			if tbl.name == "_Validation" || db.load(tbl) != nil {
				continue
			}
			for ci, c := range tbl.cols {
				row, ok := vt.Lookup(StrValue(tbl.name), StrValue(c.Name))
				if !ok {
					continue
				}
				where := filepath.Base(path) + ": " + tbl.name + "." + c.Name
				for r := range tbl.Rows() {
					checked++
					if err := db.checkValidation(tbl, c, r.At(ci)); err != nil {
						if _, seen := refused[where]; !seen && knownInvalid[where] == "" {
							t.Errorf("%s (%s): %v", where, row.Get("Category").Str(), err)
						}
						refused[where] = row.Get("Category").Str()
					}
				}
			}
		}
		db.Close()
	}
	if checked == 0 {
		t.Skip("no corpus package has a _Validation table")
	}
	if diff := cmp.Diff(knownInvalid, refused); diff != "" {
		t.Errorf("refused columns differ from knownInvalid (-known +refused):\n%s", diff)
	}
	t.Logf("%d values checked; %d columns refused, all known vendor errors", checked, len(refused))
}

// TestIsIdentifier compares isIdentifier with the Identifier pattern of the
// documentation as a regular expression.
func TestIsIdentifier(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)
	for _, s := range []string{"", "a", "_", "A1.b_c", "1a", ".a", "a-b", "a b", "é", "a.", "Z9", "a\x00", "_.", "a[1]"} {
		if got, want := isIdentifier(s), re.MatchString(s); got != want {
			t.Errorf("isIdentifier(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCategoryChecks(t *testing.T) {
	for _, tt := range []struct {
		cat, text string
		ok        bool
	}{
		{"Property", "INSTALLDIR", true},
		{"Property", "%TEMP", true},
		{"Property", "1BAD", false},
		{"Language", "1033", true},
		{"Language", "0,1033,1031", true},
		{"Language", "en-US", false},
		{"Language", "70000", false},
		{"Filename", "status.txt", true},
		{"Filename", "projec~1.txt|Project Status.txt", true},
		{"Filename", "Test File.txt", true}, // a lone long name
		{"Filename", "toolongname.txt|Too long name.txt", false},
		{"Filename", "a b.txt|A B.txt", false},
		{"Filename", "dir/x.txt", false},
		{"Filename", "x.txt|a:b", false},
		{"Filename", "", false},
		{"WildCardFilename", "*.txt", true},
		{"WildCardFilename", "a?c.d*|long*.txt", true},
		{"Filename", "*.txt", false},
		{"DefaultDir", ".", true},
		{"DefaultDir", "SourceDir", true},
		{"DefaultDir", "PFiles:.", true},
		{"DefaultDir", "ACME~1|Acme Corp:Acme", true},
		{"DefaultDir", "a:b:c", false},
		{"Cabinet", "#product.cab", true},
		{"Cabinet", "disk1.cab", true},
		{"Cabinet", "#", false},
		{"Cabinet", `..\disk1.cab`, false},
		{"Formatted", "[INSTALLDIR]bin", true},
		{"Formatted", "[[PROP]] and [\\[] and {text}", true},
		{"Formatted", "a ] b", true},
		{"Formatted", "[INSTALLDIR", false},
		{"RegPath", `Software\[Manufacturer]`, true},
		{"RegPath", `\Software`, false},
		{"Text", "anything [", true},
		{"Condition", "NOT Installed AND (VersionNT >= 600)", true},
		{"Condition", "NOT Installed AND (", false},
		{"Template", "anything [", true}, // not checked
		{"Identifier", "Product.Feature_1", true},
		{"Identifier", "1st", false},
		{"Guid", "{0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9}", true},
		{"Guid", "{0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9}", false},
		{"UpperCase", "ABC_1", true},
		{"UpperCase", "Abc", false},
		{"LowerCase", "abc", true},
		{"LowerCase", "aBc", false},
		{"Integer", "-32767", true},
		{"Integer", "12x", false},
		{"Version", "1.2.3.4", true},
		{"Version", "1.2.3.4.5", false},
		{"Shortcut", "MainFeature", true},
		{"Shortcut", "[#App.exe]", true},
		{"Shortcut", "[INSTALLDIR]app.exe", true},
		{"Shortcut", "[INSTALLDIR", false},
		{"Shortcut", `C:\app.exe`, false},
		{"NoSuchCategory", "anything", true},
	} {
		err := CheckCategory(tt.cat, tt.text)
		if (err == nil) != tt.ok {
			t.Errorf("CheckCategory(%s, %q) = %v, want ok=%v", tt.cat, tt.text, err, tt.ok)
		}
	}
}

// The regular expressions isGUID and isVersion replace, kept as their
// oracle.
var (
	reGUID    = regexp.MustCompile(`^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$`)
	reVersion = regexp.MustCompile(`^\d{1,5}(\.\d{1,5}){0,3}$`)
)

func TestIsGUIDAndVersionMatchRegexp(t *testing.T) {
	inputs := []string{
		"", "{", "{}", "1", "1.", ".1", "1..2", "1.2.3.4", "1.2.3.4.5", "12345.0", "123456", "65535.65535.65535.65535",
		"0.0.0.0.", "1.2a", "１.2", "{12345678-1234-1234-1234-123456789ABC}", "{12345678-1234-1234-1234-123456789abc}",
		"{12345678-1234-1234-1234-123456789ABC", "12345678-1234-1234-1234-123456789ABC", "{12345678-1234-1234-1234-123456789ABCD}",
		"{12345678_1234-1234-1234-123456789ABC}", "{12345678-1234-1234-1234-123456789ABG}", "{1234567-81234-1234-1234-123456789ABC}",
		"{12345678-1234-1234-1234-123456789AB}}", "{12345678-1234-1234-1234-123456789AB\n}",
	}
	// Every one-byte change of a valid GUID and Version as well.
	for _, valid := range []string{"{0A1B2C3D-4E5F-6789-ABCD-EF0123456789}", "1.22.333.44444"} {
		for i := range valid {
			for _, c := range []byte{'0', '9', 'A', 'F', 'G', 'a', '-', '.', '{', '}', 0, 0xff} {
				inputs = append(inputs, valid[:i]+string([]byte{c})+valid[i+1:], valid[:i]+valid[i+1:])
			}
		}
	}
	for _, s := range inputs {
		if got, want := isGUID(s), reGUID.MatchString(s); got != want {
			t.Errorf("isGUID(%q) = %v, the regexp says %v", s, got, want)
		}
		if got, want := isVersion(s), reVersion.MatchString(s); got != want {
			t.Errorf("isVersion(%q) = %v, the regexp says %v", s, got, want)
		}
	}
}

// A value refused by a category is quoted clipped (internal/clip), so
// that a 4 MB cell imported with --strict does not become a 4 MB (or,
// escaped, 16 MB) message; so is a long key in a ValueError.
func TestCategoryErrorsClipped(t *testing.T) {
	long := func(s string) string { return strings.Repeat(s, 1<<20/len(s)) }
	for _, tc := range []struct{ cat, text string }{
		{"Identifier", long("-")},
		{"Guid", long("x")},
		{"UpperCase", long("a")},
		{"LowerCase", long("A")},
		{"Integer", long("9")},
		{"Version", long("1.")},
		{"Shortcut", long("-")},
		{"Property", long("-")},
		{"Language", long("x,")},
		{"Filename", long("a|b|")},
		{"Filename", long("<")},
		{"DefaultDir", long("a:")},
		{"DefaultDir", "x:" + long("a b|")},
		{"Cabinet", long("<")},
		{"Condition", long("(")},
		{"Condition", "A " + long("B")},
		{"Condition", long("\"")},
		{"Formatted", long("[")},
		{"RegPath", `\` + long("a")},
	} {
		err := CheckCategory(tc.cat, tc.text)
		if err == nil {
			t.Errorf("%s: %.20q... accepted", tc.cat, tc.text)
			continue
		}
		if n := len(err.Error()); n > 1000 {
			t.Errorf("%s: a message of %d bytes: %.300s", tc.cat, n, err)
		}
	}
	db := openSample(t)
	db.SetStrict(true)
	props, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	err = props.Insert(StrValue(long("k")), StrValue("v"))
	if err == nil || len(err.Error()) > 1000 {
		t.Errorf("a 1 MiB key too long for its column: %.300v (%d bytes)", err, len(fmt.Sprint(err)))
	}
}
