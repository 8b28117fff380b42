package classreg

import (
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// iDT is a table as IDT text: column names, types, and rows of cells.
type iDT struct {
	Name    string
	Columns []string
	Types   []string
	Keys    []string
	Rows    [][]string
}

// parseIDT parses the text msiinfo export writes (CRLF lines, tab cells).
func parseIDT(text string) iDT {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var t iDT
	if len(lines) < 3 {
		return t
	}
	t.Columns = strings.Split(lines[0], "\t")
	t.Types = strings.Split(lines[1], "\t")
	k := strings.Split(lines[2], "\t")
	t.Name, t.Keys = k[0], k[1:]
	for _, l := range lines[3:] {
		if l == "" {
			continue
		}
		cells := strings.Split(l, "\t")
		for len(cells) < len(t.Columns) {
			cells = append(cells, "")
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// col returns the index of a column, or -1.
func (t iDT) col(name string) int {
	for i, c := range t.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// get returns a row's cell by column name ("" when absent).
func (t iDT) get(row []string, name string) string {
	if i := t.col(name); i >= 0 && i < len(row) {
		return row[i]
	}
	return ""
}

func (t iDT) ref(row []string) RowRef {
	var key []string
	for _, k := range t.Keys {
		key = append(key, t.get(row, k))
	}
	return RowRef{Key: key}
}

// msiinfoExport exports one table with msiinfo; a missing table is an
// empty iDT.
func msiinfoExport(t *testing.T, msiinfo, path, table string) iDT {
	t.Helper()
	out, err := testenv.Command(t, msiinfo, "export", path, table).Output()
	if err != nil {
		return iDT{Name: table}
	}
	return parseIDT(string(out))
}

func optIntOf(s string) OptInt {
	if s == "" {
		return OptInt{}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return OptInt{}
	}
	return optInt(int32(n))
}

// inputFromMsiinfo builds the mapping's input from msiinfo exports: an
// independent reader (msitools) for the golden tests of the mapping.
func inputFromMsiinfo(t *testing.T, path string) *Input {
	t.Helper()
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	in := &Input{}
	ex := func(name string) iDT { return msiinfoExport(t, msiinfo, path, name) }
	props := ex("Property")
	for _, r := range props.Rows {
		switch props.get(r, "Property") {
		case "ProductCode":
			in.ProductCode = props.get(r, "Value")
		case "ALLUSERS":
			in.AllUsers = props.get(r, "Value")
		}
	}
	if out, err := exec.Command(msiinfo, "suminfo", path).Output(); err == nil {
		for _, l := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(l, "Template: "); ok {
				in.Platform, _, _ = strings.Cut(strings.TrimSpace(v), ";")
			}
		}
	}
	c := ex("Class")
	for _, r := range c.Rows {
		in.Classes = append(in.Classes, ClassRow{
			CLSID: c.get(r, "CLSID"), Context: c.get(r, "Context"), Component: c.get(r, "Component_"),
			ProgIDDefault: c.get(r, "ProgId_Default"), Description: c.get(r, "Description"),
			AppID: c.get(r, "AppId_"), FileTypeMask: c.get(r, "FileTypeMask"), Icon: c.get(r, "Icon_"),
			IconIndex: optIntOf(c.get(r, "IconIndex")), DefInprocHandler: c.get(r, "DefInprocHandler"),
			Argument: c.get(r, "Argument"), Feature: c.get(r, "Feature_"), Attributes: optIntOf(c.get(r, "Attributes")),
			ref: c.ref(r),
		})
	}
	pt := ex("ProgId")
	for _, r := range pt.Rows {
		in.ProgIDs = append(in.ProgIDs, ProgIDRow{
			ProgID: pt.get(r, "ProgId"), Parent: pt.get(r, "ProgId_Parent"), Class: pt.get(r, "Class_"),
			Description: pt.get(r, "Description"), Icon: pt.get(r, "Icon_"), IconIndex: optIntOf(pt.get(r, "IconIndex")),
			ref: pt.ref(r),
		})
	}
	a := ex("AppId")
	for _, r := range a.Rows {
		in.AppIDs = append(in.AppIDs, AppIDRow{
			AppID: a.get(r, "AppId"), RemoteServerName: a.get(r, "RemoteServerName"), LocalService: a.get(r, "LocalService"),
			ServiceParameters: a.get(r, "ServiceParameters"), DllSurrogate: a.get(r, "DllSurrogate"),
			ActivateAtStorage: optIntOf(a.get(r, "ActivateAtStorage")), RunAsInteractiveUser: optIntOf(a.get(r, "RunAsInteractiveUser")),
			ref: a.ref(r),
		})
	}
	e := ex("Extension")
	for _, r := range e.Rows {
		in.Extensions = append(in.Extensions, ExtensionRow{
			Extension: e.get(r, "Extension"), Component: e.get(r, "Component_"), ProgID: e.get(r, "ProgId_"),
			MIME: e.get(r, "MIME_"), Feature: e.get(r, "Feature_"), ref: e.ref(r),
		})
	}
	v := ex("Verb")
	for _, r := range v.Rows {
		in.Verbs = append(in.Verbs, VerbRow{
			Extension: v.get(r, "Extension_"), Verb: v.get(r, "Verb"), Sequence: optIntOf(v.get(r, "Sequence")),
			Command: v.get(r, "Command"), Argument: v.get(r, "Argument"), ref: v.ref(r),
		})
	}
	m := ex("MIME")
	for _, r := range m.Rows {
		in.MIMEs = append(in.MIMEs, MIMERow{ContentType: m.get(r, "ContentType"), Extension: m.get(r, "Extension_"), CLSID: m.get(r, "CLSID"), ref: m.ref(r)})
	}
	tl := ex("TypeLib")
	for _, r := range tl.Rows {
		in.TypeLibs = append(in.TypeLibs, TypeLibRow{LibID: tl.get(r, "LibID"), Component: tl.get(r, "Component_"), ref: tl.ref(r)})
	}
	co := ex("Component")
	for _, r := range co.Rows {
		n, _ := strconv.Atoi(co.get(r, "Attributes"))
		in.Components = append(in.Components, ComponentRow{Component: co.get(r, "Component"), ComponentID: co.get(r, "ComponentId"), Attributes: int32(n), KeyPath: co.get(r, "KeyPath")})
	}
	f := ex("File")
	for _, r := range f.Rows {
		in.Files = append(in.Files, FileRow{File: f.get(r, "File"), Component: f.get(r, "Component_"), FileName: f.get(r, "FileName")})
	}
	fe := ex("Feature")
	for _, r := range fe.Rows {
		in.Features = append(in.Features, fe.get(r, "Feature"))
		n, _ := strconv.Atoi(fe.get(r, "Attributes"))
		in.FeatureAttributes.Set(fe.get(r, "Feature"), int32(n))
	}
	fc := ex("FeatureComponents")
	for _, r := range fc.Rows {
		in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{Feature: fc.get(r, "Feature_"), Component: fc.get(r, "Component_")})
	}
	ic := ex("Icon")
	for _, r := range ic.Rows {
		in.Icons = append(in.Icons, ic.get(r, "Name"))
	}
	rg := ex("Registry")
	in.HasRegistryTable = len(rg.Columns) > 0
	for _, r := range rg.Rows {
		in.Registry = append(in.Registry, registryRowOf(rg, r))
	}
	for _, seq := range []string{"InstallExecuteSequence", "AdvtExecuteSequence", "InstallUISequence", "AdminExecuteSequence", "AdminUISequence"} {
		s := ex(seq)
		for _, r := range s.Rows {
			in.Sequences = append(in.Sequences, SequenceRow{Table: seq, Action: s.get(r, "Action"), Condition: s.get(r, "Condition"), Sequence: optIntOf(s.get(r, "Sequence"))})
		}
	}
	return in
}

func registryRowOf(t iDT, r []string) RegistryRow {
	root, _ := strconv.Atoi(t.get(r, "Root"))
	return RegistryRow{ID: t.get(r, "Registry"), Root: int16(root), Key: t.get(r, "Key"), Name: t.get(r, "Name"), Value: t.get(r, "Value"), Component: t.get(r, "Component_")}
}

// readGoldenRegistry reads a golden Registry IDT file, rows sorted by key.
func readGolden(t *testing.T, path string) []RegistryRow {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tab := parseIDT(string(b))
	var rows []RegistryRow
	for _, r := range tab.Rows {
		rows = append(rows, registryRowOf(tab, r))
	}
	sortRegistry(rows)
	return rows
}

func sortRegistry(rows []RegistryRow) {
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
}
