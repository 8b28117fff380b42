package validate

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/msi"
)

// validation returns _Validation rows for the base installer's tables, as
// the Windows Installer documentation describes their columns.
func validation() [][]any {
	v := func(table, column, nullable string, min, max any, keyTable string, keyColumn any, category, set string) []any {
		return row(table, column, nullable, min, max, keyTable, keyColumn, category, set, "")
	}
	return [][]any{
		v("Directory", "Directory", "N", nil, nil, "", nil, "Identifier", ""),
		v("Directory", "Directory_Parent", "Y", nil, nil, "Directory", 1, "Identifier", ""),
		v("Directory", "DefaultDir", "N", nil, nil, "", nil, "DefaultDir", ""),
		v("Feature", "Feature", "N", nil, nil, "", nil, "Identifier", ""),
		v("Feature", "Feature_Parent", "Y", nil, nil, "Feature", 1, "Identifier", ""),
		v("Feature", "Title", "Y", nil, nil, "", nil, "Text", ""),
		v("Feature", "Description", "Y", nil, nil, "", nil, "Text", ""),
		v("Feature", "Display", "Y", 0, 32767, "", nil, "", ""),
		v("Feature", "Level", "N", 0, 32767, "", nil, "", ""),
		v("Feature", "Directory_", "Y", nil, nil, "Directory", 1, "UpperCase", ""),
		v("Feature", "Attributes", "N", nil, nil, "", nil, "", "0;1;2;4;5;6;8;9;10;16;17;18;20;21;22;24;25;26;32;33;34;36;37;38;48;49;50;52;53;54"),
		v("Component", "Component", "N", nil, nil, "", nil, "Identifier", ""),
		v("Component", "ComponentId", "Y", nil, nil, "", nil, "Guid", ""),
		v("Component", "Directory_", "N", nil, nil, "Directory", 1, "Identifier", ""),
		v("Component", "Attributes", "N", nil, nil, "", nil, "", ""),
		v("Component", "Condition", "Y", nil, nil, "", nil, "Condition", ""),
		v("Component", "KeyPath", "Y", nil, nil, "File;Registry;ODBCDataSource", 1, "Identifier", ""),
		v("File", "File", "N", nil, nil, "", nil, "Identifier", ""),
		v("File", "Component_", "N", nil, nil, "Component", 1, "Identifier", ""),
		v("File", "FileName", "N", nil, nil, "", nil, "Filename", ""),
		v("File", "FileSize", "N", 0, 2147483647, "", nil, "", ""),
		v("File", "Version", "Y", nil, nil, "File", 1, "Version", ""),
		v("File", "Language", "Y", nil, nil, "", nil, "Language", ""),
		v("File", "Attributes", "Y", 0, 32767, "", nil, "", ""),
		v("File", "Sequence", "N", 1, 32767, "", nil, "", ""),
		v("FeatureComponents", "Feature_", "N", nil, nil, "Feature", 1, "Identifier", ""),
		v("FeatureComponents", "Component_", "N", nil, nil, "Component", 1, "Identifier", ""),
		v("Property", "Property", "N", nil, nil, "", nil, "Identifier", ""),
		v("Property", "Value", "N", nil, nil, "", nil, "Text", ""),
		v("CustomAction", "Action", "N", nil, nil, "", nil, "Identifier", ""),
		v("CustomAction", "Type", "N", 1, 16383, "", nil, "", ""),
		v("CustomAction", "Source", "Y", nil, nil, "", nil, "CustomSource", ""),
		v("CustomAction", "Target", "Y", nil, nil, "", nil, "Formatted", ""),
		v("InstallExecuteSequence", "Action", "N", nil, nil, "", nil, "Identifier", ""),
		v("InstallExecuteSequence", "Condition", "Y", nil, nil, "", nil, "Condition", ""),
		v("InstallExecuteSequence", "Sequence", "Y", -4, 32767, "", nil, "", ""),
	}
}

// withValidation adds the base _Validation table, then changes its rows
// with edit (by "Table.Column").
func withValidation(edit map[string]func(r []any)) func(*fixture) {
	return func(f *fixture) {
		rows := validation()
		for _, r := range rows {
			if e := edit[r[0].(string)+"."+r[1].(string)]; e != nil {
				e(r)
			}
		}
		f.set("_Validation", rows...)
	}
}

func TestICE03(t *testing.T) {
	with := func(edits ...func(*fixture)) func(*fixture) {
		return func(f *fixture) {
			withValidation(nil)(f)
			for _, e := range edits {
				e(f)
			}
		}
	}
	file := func(key, comp, name, version string, seq int) func(*fixture) {
		return func(f *fixture) { f.add("File", row(key, comp, name, 1, version, "", 512, seq)) }
	}
	testRule(t, "ICE03", []ruleCase{
		{name: "passes", edit: with()},
		{name: "no _Validation table", want: []string{"info"}, msg: "no _Validation table"},
		{name: "companion file version", edit: with(file("F2", "C1", "b.txt", "F1", 2))},
		{name: "bad version", edit: with(file("F2", "C1", "b.txt", "1.x", 2)),
			want: []string{"error File[F2].Version"}, msg: "Invalid version string"},
		{name: "lower-case GUID", edit: with(func(f *fixture) {
			f.set("Component", row("C1", "{aaaaaaaa-1111-1111-1111-111111111111}", "INSTALLDIR", 0, "", "F1"))
		}), want: []string{"error Component[C1].ComponentId"}, msg: "Invalid GUID string"},
		{name: "foreign key", edit: with(file("F2", "Nope", "b.txt", "", 2)),
			want: []string{"error File[F2].Component_"}, msg: "Not a valid foreign key: 'Nope' is not in Component"},
		{name: "foreign key into one of several tables", edit: with(func(f *fixture) {
			f.add("Component", row("C2", "{33333333-3333-3333-3333-333333333333}", "INSTALLDIR", 0, "", "Nope"))
		}), want: []string{"error Component[C2].KeyPath"}, msg: "is not in File or Registry or ODBCDataSource"},
		{name: "null where _Validation forbids it", edit: withValidation(map[string]func([]any){
			"Component.Condition": func(r []any) { r[2] = "N" },
		}), want: []string{"error Component[C1].Condition"}, msg: "Not a nullable column"},
		{name: "above MaxValue", edit: with(file("F2", "C1", "b.txt", "", 40000)),
			want: []string{"error File[F2].Sequence"}, msg: "Value exceeds MaxValue"},
		{name: "below MinValue", edit: with(file("F2", "C1", "b.txt", "", 0)),
			want: []string{"error File[F2].Sequence"}, msg: "Value below MinValue"},
		{name: "not in the set", edit: with(func(f *fixture) { f.add("Feature", row("Other", "", "", "", 1, 1, "", 3)) }),
			want: []string{"error Feature[Other].Attributes"}, msg: "Value not a member of the set"},
		{name: "bad category", edit: with(file("F2", "C1", "a b c.txt|x:y", "", 2)),
			want: []string{"error File[F2].FileName"}, msg: "Invalid Filename"},
		{name: "bad condition", edit: with(func(f *fixture) {
			f.add("InstallExecuteSequence", row("LaunchConditions", "NOT (Installed", 100))
		}), want: []string{"error InstallExecuteSequence[LaunchConditions].Condition"}, msg: "Bad conditional string"},
		{name: "string overflow", edit: with(func(f *fixture) {
			f.add("Feature", row("Other", "", strings.Repeat("t", 65), "", 1, 1, "", 0))
		}), want: []string{"error Feature[Other].Title"}, msg: "String overflow"},
		{name: "column without _Validation row", edit: with(func(f *fixture) {
			f.add("Environment", row("E1", "PATH", "[INSTALLDIR]", "C1"))
		}), want: []string{"error Environment.Component_", "error Environment.Environment", "error Environment.Name", "error Environment.Value"},
			msg: "Missing data in _Validation table"},
		{name: "empty table needs no rows", edit: with(func(f *fixture) { f.set("Environment", [][]any{}...) })},
		{name: "_Validation errors", edit: withValidation(map[string]func([]any){
			"Feature.Display":    func(r []any) { r[3], r[4] = 10, 5 },
			"Property.Value":     func(r []any) { r[7] = "NoSuchCategory" },
			"Feature.Directory_": func(r []any) { r[5] = "NoSuchTable" },
		}), want: []string{"error Feature[Main].Display", "error _Validation[Feature,Display].MaxValue", "error _Validation[Property,Value].Category"}},
		{name: "KeyTable the database lacks", edit: withValidation(map[string]func([]any){
			"Component.KeyPath": func(r []any) { r[5] = "NoSuchTable" },
		}), want: []string{"error _Validation[Component,KeyPath].KeyTable"}, msg: "Data in KeyTable column is incorrect"},
	})
}

// TestICE03Localized checks that a localizable primary key is reported,
// with or without a _Validation table.
func TestICE03Localized(t *testing.T) {
	f := baseInstaller()
	f.set("Feature", row("Main", "", "Main", "", 1, 1, "", 0))
	db := f.build(t)
	tab, err := db.CreateTable("Loc", []msi.Column{{Name: "Key", Type: msi.ColString, Size: 72, Key: true, Localizable: true}, {Name: "Text", Type: msi.ColString, Size: 10, Nullable: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.Insert(msi.StrValue("k"), msi.StrValue("a text longer than ten")); err != nil {
		t.Fatal(err)
	}
	fs, err := Validate(db, &Options{Rules: []string{"ICE03"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range fs {
		got = append(got, brief(x))
	}
	want := []string{"info", "error Loc.Key", "error Loc[k].Text"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s\n%v", diff, fs)
	}
}

// packName is the stream name msi gives a table: U+4840, then the name
// with characters of [0-9A-Za-z._] packed two per UTF-16 unit (see
// FORMAT-NOTES.md).
func packName(table string) string {
	idx := func(c byte) int {
		switch {
		case c >= '0' && c <= '9':
			return int(c - '0')
		case c >= 'A' && c <= 'Z':
			return int(c-'A') + 10
		case c >= 'a' && c <= 'z':
			return int(c-'a') + 36
		case c == '.':
			return 62
		}
		return 63
	}
	out := []rune{0x4840}
	for i := 0; i < len(table); i += 2 {
		if i+1 < len(table) {
			out = append(out, rune(0x3800+idx(table[i+1])<<6+idx(table[i])))
		} else {
			out = append(out, rune(0x4800+idx(table[i])))
		}
	}
	return string(out)
}

// duplicateKey rewrites a package so that the second row of table has the
// first row's first key cell: a duplicate primary key, which msi's edits
// never write but a file can hold.
func duplicateKey(t *testing.T, pkg []byte, table string) []byte {
	t.Helper()
	r, err := cfb.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := cfb.NewWriter(&out, nil)
	root := r.Entries()[0]
	w.SetRoot(cfb.Header{RawName: root.RawName, CLSID: root.CLSID, StateBits: root.StateBits, Created: root.Created, Modified: root.Modified})
	found := false
	for _, e := range root.Children {
		if e.Type != cfb.TypeStream || e.Name != packName(table) {
			if err := w.Copy(e); err != nil {
				t.Fatal(err)
			}
			continue
		}
		found = true
		s, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(s)
		if err != nil {
			t.Fatal(err)
		}
		copy(data[2:4], data[0:2]) // string references are 2 bytes wide
		if err := w.CreateHeaderFrom("", &cfb.Header{RawName: e.RawName}, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	if !found {
		t.Fatalf("no stream for table %s", table)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestICE03DuplicateKey(t *testing.T) {
	f := baseInstaller()
	f.add("Property", row("ZZZ", "2"))
	var buf bytes.Buffer
	if _, err := f.build(t).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	pkg := duplicateKey(t, buf.Bytes(), "Property")
	db, err := msi.NewDatabase(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Validate(db, &Options{Rules: []string{"ICE03"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range fs {
		if x.Severity == Error {
			got = append(got, brief(x)+": "+x.Message)
		}
	}
	// The first two rows in key order share a key now.
	tab, _ := db.Table("Property")
	key := tab.Row(0).Get("Property").Str()
	want := []string{"error Property[" + key + "]: Duplicate primary key"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestSetMessageMatchesReport checks that ICE03's message for a value not
// in its set, built without fmt (appendSetMessage), is the one report
// makes of setMessage and the quoted value and set, clipped and cut as
// report clips and cuts: for short and long values and sets, with a
// character across the quoting's cut, invalid UTF-8 and percent signs.
func TestSetMessageMatchesReport(t *testing.T) {
	texts := []string{"", "x", "%s %d %!", "a;b;c", "\xff\xfe", strings.Repeat("a", 119) + "é",
		strings.Repeat("a", 120), strings.Repeat("a", 121), strings.Repeat("é", 70), strings.Repeat("€", 500),
		strings.Repeat("a;", 40000)}
	for _, text := range texts {
		for _, set := range texts {
			want := fmt.Appendf(nil, setMessage, clipArgs([]any{quote(text), quote(set)})...)
			want = []byte(cut(string(want), maxMessage))
			got := appendSetMessage([]byte("stale"), text, quote(set))
			if diff := cmp.Diff(string(want), string(got[len("stale"):])); diff != "" {
				t.Errorf("%.20q in %.20q (-report +appendSetMessage):\n%s", text, set, diff)
			}
			if got, want := string(appendQuote(nil, text)), "'"+cut(text, 120)+"'"; got != want {
				t.Errorf("appendQuote(%.20q) = %.30q, want %.30q", text, got, want)
			}
		}
	}
}
