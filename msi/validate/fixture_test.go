package validate

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// schemas are the standard tables the tests build, as "Name:type" with
// IDT column types and a "*" on key columns (the Windows Installer
// documentation's table definitions).
var schemas = map[string]string{
	"Component":                    "Component:s72* ComponentId:S38 Directory_:s72 Attributes:i2 Condition:S255 KeyPath:S72",
	"File":                         "File:s72* Component_:s72 FileName:l255 FileSize:i4 Version:S72 Language:S20 Attributes:I2 Sequence:i4",
	"Directory":                    "Directory:s72* Directory_Parent:S72 DefaultDir:l255",
	"Feature":                      "Feature:s38* Feature_Parent:S38 Title:L64 Description:L255 Display:I2 Level:i2 Directory_:S72 Attributes:i2",
	"FeatureComponents":            "Feature_:s38* Component_:s72*",
	"Registry":                     "Registry:s72* Root:i2 Key:l255 Name:L255 Value:L0 Component_:s72",
	"Shortcut":                     "Shortcut:s72* Directory_:s72 Name:l128 Component_:s72 Target:s72 Arguments:S255 Description:L255 Hotkey:I2 Icon_:S72 IconIndex:I2 ShowCmd:I2 WkDir:S72",
	"CreateFolder":                 "Directory_:s72* Component_:s72*",
	"RemoveFile":                   "FileKey:s72* Component_:s72 FileName:L255 DirProperty:s72 InstallMode:i2",
	"DuplicateFile":                "FileKey:s72* Component_:s72 File_:s72 DestName:L255 DestFolder:S72",
	"Class":                        "CLSID:s38* Context:s32* Component_:s72* ProgId_Default:S255 Description:L255 AppId_:S38 FileTypeMask:S255 Icon_:S72 IconIndex:I2 DefInprocHandler:S32 Argument:S255 Feature_:s38 Attributes:I2",
	"Extension":                    "Extension:s255* Component_:s72* ProgId_:S255 MIME_:S64 Feature_:s38",
	"TypeLib":                      "LibID:s38* Language:i2* Component_:s72* Version:I4 Description:L128 Directory_:S72 Feature_:s38 Cost:I4",
	"PublishComponent":             "ComponentId:s38* Qualifier:s255* Component_:s72* AppData:L255 Feature_:s38",
	"ProgId":                       "ProgId:s255* ProgId_Parent:S255 Class_:S38 Description:L255 Icon_:S72 IconIndex:I2",
	"Verb":                         "Extension_:s255* Verb:s32* Sequence:I2 Command:L255 Argument:L255",
	"AppId":                        "AppId:s38* RemoteServerName:S255 LocalService:S255 ServiceParameters:S255 DllSurrogate:S255 ActivateAtStorage:I2 RunAsInteractiveUser:I2",
	"CustomAction":                 "Action:s72* Type:i2 Source:S72 Target:S255",
	"InstallExecuteSequence":       "Action:s72* Condition:S255 Sequence:I2",
	"InstallUISequence":            "Action:s72* Condition:S255 Sequence:I2",
	"AdminExecuteSequence":         "Action:s72* Condition:S255 Sequence:I2",
	"AdminUISequence":              "Action:s72* Condition:S255 Sequence:I2",
	"AdvtExecuteSequence":          "Action:s72* Condition:S255 Sequence:I2",
	"Property":                     "Property:s72* Value:l0",
	"IniFile":                      "IniFile:s72* FileName:l255 DirProperty:S72 Section:l96 Key:l128 Value:l255 Action:i2 Component_:s72",
	"RegLocator":                   "Signature_:s72* Root:i2 Key:s255 Name:S255 Type:I2",
	"Environment":                  "Environment:s72* Name:l255 Value:L255 Component_:s72",
	"MsiAssembly":                  "Component_:s72* Feature_:s38 File_Manifest:S72 File_Application:S72 Attributes:I2",
	"ModuleSignature":              "ModuleID:s72* Language:i2* Version:s32",
	"ModuleComponents":             "Component:s72* ModuleID:s72* Language:i2*",
	"ModuleDependency":             "ModuleID:s72* ModuleLanguage:i2* RequiredID:s72* RequiredLanguage:i2* RequiredVersion:S32",
	"ModuleExclusion":              "ModuleID:s72* ModuleLanguage:i2* ExcludedID:s72* ExcludedLanguage:i2* ExcludedMinVersion:S32 ExcludedMaxVersion:S32",
	"ModuleInstallExecuteSequence": "Action:s64* Sequence:I2 BaseAction:S64 After:I2 Condition:S255",
	"ModuleAdminExecuteSequence":   "Action:s64* Sequence:I2 BaseAction:S64 After:I2 Condition:S255",
	"_Validation":                  "Table:s32* Column:s32* Nullable:s4 MinValue:I4 MaxValue:I4 KeyTable:S255 KeyColumn:I2 Category:S32 Set:S255 Description:S255",
}

// columns parses a schema line into msi columns.
func columns(t testing.TB, spec string) []msi.Column {
	t.Helper()
	var cols []msi.Column
	for _, f := range strings.Fields(spec) {
		name, typ, _ := strings.Cut(f, ":")
		c := msi.Column{Name: name}
		c.Key = strings.HasSuffix(typ, "*")
		typ = strings.TrimSuffix(typ, "*")
		n, err := strconv.Atoi(typ[1:])
		if err != nil {
			t.Fatalf("bad column type %q", f)
		}
		ch := typ[0]
		if ch >= 'A' && ch <= 'Z' {
			c.Nullable = true
			ch += 'a' - 'A'
		}
		switch ch {
		case 's', 'l':
			c.Type, c.Size, c.Localizable = msi.ColString, n, ch == 'l'
		case 'i':
			c.Type = msi.ColInt16
			if n == 4 {
				c.Type = msi.ColInt32
			}
		case 'v':
			c.Type = msi.ColBinary
		}
		cols = append(cols, c)
	}
	return cols
}

// fixture is a package to build: rows per table, cells as strings ("" is
// null), ints, or nil; plus the summary Template and Page Count.
type fixture struct {
	tables    map[string][][]any
	template  string
	pageCount int32
}

// add appends rows to a table.
func (f *fixture) add(table string, rows ...[]any) {
	f.tables[table] = append(f.tables[table], rows...)
}

// set replaces the rows of a table (nil: drop the table).
func (f *fixture) set(table string, rows ...[]any) {
	if rows == nil {
		delete(f.tables, table)
		return
	}
	f.tables[table] = rows
}

// row is a shorthand for []any.
func row(cells ...any) []any { return cells }

// baseInstaller is a small installer that every rule passes: one feature,
// a component with its key file under ProgramFilesFolder\Acme, the
// registration actions, an in-script action where it belongs.
func baseInstaller() *fixture {
	return &fixture{template: "Intel;1033", pageCount: 200, tables: map[string][][]any{
		"Directory": {
			row("TARGETDIR", "", "SourceDir"),
			row("ProgramFilesFolder", "TARGETDIR", "PFiles"),
			row("INSTALLDIR", "ProgramFilesFolder", "Acme"),
		},
		"Feature":           {row("Main", "", "Main", "", 1, 1, "", 0)},
		"Component":         {row("C1", "{11111111-1111-1111-1111-111111111111}", "INSTALLDIR", 0, "", "F1")},
		"File":              {row("F1", "C1", "app.exe", 100, "1.0.0.0", "1033", 512, 1)},
		"FeatureComponents": {row("Main", "C1")},
		"Property": {
			row("ProductCode", "{22222222-2222-2222-2222-222222222222}"),
			row("ProductLanguage", "1033"),
			row("ProductName", "Acme"),
		},
		"CustomAction": {row("Deferred", 1025, "F1", "")},
		"InstallExecuteSequence": {
			row("CostInitialize", "", 800),
			row("InstallInitialize", "", 1500),
			row("Deferred", "", 4000),
			row("RegisterUser", "", 6000),
			row("RegisterProduct", "", 6100),
			row("PublishFeatures", "", 6300),
			row("PublishProduct", "", 6400),
			row("InstallFinalize", "", 6600),
		},
	}}
}

// baseModule is a small merge module every rule passes.
func baseModule() *fixture {
	const mod = "Acme.12345678_1234_1234_1234_123456789012"
	return &fixture{template: "Intel;1033", pageCount: 200, tables: map[string][][]any{
		"Directory": {
			row("TARGETDIR", "", "SourceDir"),
			row("AcmeDir."+mod[5:], "TARGETDIR", "Acme"),
		},
		"Component":                    {row("C1."+mod[5:], "{11111111-1111-1111-1111-111111111111}", "AcmeDir."+mod[5:], 0, "", "F1."+mod[5:])},
		"File":                         {row("F1."+mod[5:], "C1."+mod[5:], "lib.dll", 100, "1.0.0.0", "1033", 512, 1)},
		"ModuleSignature":              {row(mod, 1033, "1.0.0.0")},
		"ModuleComponents":             {row("C1."+mod[5:], mod, 1033)},
		"FeatureComponents":            {},
		"InstallExecuteSequence":       {},
		"ModuleInstallExecuteSequence": {row("InstallFiles", 4000, "", "", "")},
	}}
}

// sample is the repository's sample package, read once.
var sample = func() func(t testing.TB) []byte {
	var data []byte
	return func(t testing.TB) []byte {
		t.Helper()
		if data == nil {
			db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, name := range db.TableNames() {
				if err := db.DropTable(name); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if _, err := db.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			data = buf.Bytes()
		}
		return data
	}
}()

// value converts a fixture cell.
func value(c any) msi.Value {
	switch v := c.(type) {
	case nil:
		return msi.Null
	case string:
		return msi.StrValue(v)
	case int:
		return msi.IntValue(int32(v))
	}
	panic(fmt.Sprintf("bad cell %T", c))
}

// build writes the fixture as a package (the sample's container and
// summary information, no other table) and opens it again, so that the
// package kind is decided as for a file on disk.
func (f *fixture) build(t testing.TB) *msi.Database {
	t.Helper()
	b := f.bytes(t)
	out, err := msi.NewDatabase(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// bytes returns the fixture written as a package (build).
func (f *fixture) bytes(t testing.TB) []byte {
	t.Helper()
	base := sample(t)
	db, err := msi.NewDatabase(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(f.tables)) {
		spec, ok := schemas[name]
		if !ok {
			t.Fatalf("no schema for %s", name)
		}
		tab, err := db.CreateTable(name, columns(t, spec))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range f.tables[name] {
			vals := make([]msi.Value, len(r))
			for i, c := range r {
				vals[i] = value(c)
			}
			if err := tab.Insert(vals...); err != nil {
				t.Fatalf("%s %v: %v", name, r, err)
			}
		}
	}
	si, err := db.SummaryInfo()
	if err != nil {
		t.Fatal(err)
	}
	if err := si.SetString(msi.PIDTemplate, f.template); err != nil {
		t.Fatal(err)
	}
	if err := si.SetInt(msi.PIDPageCount, f.pageCount); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSummaryInfo(si); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := db.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// brief formats a finding without its message: "error File[F1].Version".
func brief(f Finding) string {
	s := f.Severity.String()
	if f.Table != "" {
		s += " " + f.Table
		if len(f.Key) > 0 {
			s += "[" + strings.Join(f.Key, ",") + "]"
		}
		if f.Column != "" {
			s += "." + f.Column
		}
	}
	return s
}

// run validates the fixture with one rule and returns the findings in
// brief.
func (f *fixture) run(t testing.TB, ice string) ([]string, []Finding) {
	t.Helper()
	db := f.build(t)
	fs, err := Validate(db, &Options{Rules: []string{ice}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range fs {
		if x.ICE != ice {
			t.Errorf("finding of %s when only %s runs: %v", x.ICE, ice, x)
		}
		out = append(out, brief(x))
	}
	return out, fs
}
