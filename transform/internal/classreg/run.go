package transform

import (
	"fmt"
	"slices"
	"strings"

	"github.com/msikit/msikit/msi"
)

// ClassToRegistryOptions are the options of ClassToRegistry. The zero value
// is the safe default: every registration that can be written faithfully
// as Registry rows is converted, anything else keeps its advertised form.
type ClassToRegistryOptions struct {
	// DropUnexpressible converts a registration group even when part of it
	// cannot be written faithfully as Registry rows; that part is dropped
	// and reported as a warning. By default the whole group (a class with
	// its ProgIds, AppId, extensions, verbs and MIME types) keeps its
	// advertised form and each of its rows is reported.
	DropUnexpressible bool

	// NoIconCache treats icons from the Icon table as unexpressible. By
	// default a DefaultIcon naming an Icon table icon is written as the
	// file PublishProduct caches that icon in,
	// "[WindowsFolder]Installer\[ProductCode]\<icon>[,index]" (the value
	// msiexec itself writes), when the package installs per machine
	// (ALLUSERS=1); for other packages that folder is only known at
	// install time and the icon is unexpressible.
	NoIconCache bool

	// MaxChanges bounds the row changes the pass may make (rows added and
	// removed), and the text of the rows it adds to MaxChanges × 512
	// bytes. 0 means DefaultMaxChanges. Past either bound ClassToRegistry
	// changes nothing and returns an error wrapping ErrTooManyChanges.
	MaxChanges int
}

// ClassToRegistry rewrites the advertised COM and shell registration of an
// installer database (the Class, ProgId, AppId, Extension, Verb and MIME
// tables) as plain rows of the Registry table, so that msiexec no longer
// writes darwin descriptors for them and no longer checks the health of
// their features on every activation.
//
// For each registration msiexec would write, a Registry row (Root 0,
// HKEY_CLASSES_ROOT) with the same key, name and value is added, under the
// component msiexec tied it to; the converted rows are deleted. msiexec
// registers a class or extension while the feature its row names is
// installed or advertised, whatever other features hold its component, and
// unregisters it when that feature is removed; when the component is in
// other features too (or not in that one), the Registry rows go in a new
// registry-only component held only by that feature: key "reg_" +
// component + "_" + feature (shortened with a hash to fit the Component
// key column), key path its first Registry value, the original
// component's directory, condition, 64-bit and transitive bits, and a
// ComponentId derived from the ProductCode, the original ComponentId and
// the feature (a component whose rows only create keys has its folder as
// key path, which then gets a CreateFolder row, as ICE18 requires, so
// that the component is never seen as absent). Generated
// Registry keys are "reg" followed by 32 hex digits of a hash of the row's
// root, key, name and component, so they are the same on every run ("_2",
// "_3"… is appended in the unlikely case the package already uses one). The
// Registry table is created when absent, and WriteRegistryValues and
// RemoveRegistryValues are added to InstallExecuteSequence when missing (in
// a merge module, to ModuleInstallExecuteSequence, as standard actions:
// the recommended sequence numbers 5000 and 2600 with BaseAction and After
// null).
// RegisterClassInfo and the other Register*/Unregister* actions are kept:
// they do nothing on empty tables and still serve any registration left
// advertised.
//
// Registration that cannot be written faithfully (an icon whose cache
// folder depends on the install context, a ProgId_Parent cycle, two
// components serving the same CLSID and context, a verb whose component has
// no key file) keeps its advertised form with its whole group, or is
// dropped with DropUnexpressible. Rows msiexec never registers (a class whose
// component or feature is missing or has no key file, a ProgId no class or
// extension reaches, ...) and TypeLib rows are left alone. Every such row
// gets a Note; nothing is dropped silently. Running the pass again on its
// output changes nothing.
//
// The mapping follows msiexec (checked against Wine's implementation and
// WiX's compiler) with these decisions: DefInprocHandler 1 writes
// InprocHandler = ole2.dll (Wine and current WiX; old WiX wrote ole.dll);
// local server paths are quoted ("[#file]" args), as WiX writes them and as
// a path with spaces needs; the relative-path class attribute writes the
// key file's name only (Wine ignores it); ActivateAtStorage and
// RunAsInteractiveUser are written when non-zero (Wine writes them for any
// non-null value). Registry rows follow the component's 64-bit attribute
// where msiexec registered classes by package platform: every class where
// the two disagree gets a warning.
func ClassToRegistry(db *msi.Database, opts ClassToRegistryOptions) (*Report, error) {
	rep := &Report{Pass: "class-to-registry", Changes: []Change{}, Notes: []Note{}}
	if k := db.Kind(); k == msi.PackagePatch || k == msi.PackageTransform {
		return nil, fmt.Errorf("transform: class-to-registry: a %v is not an installer database", k)
	}
	in, err := readClassRegInput(db)
	if err != nil {
		return nil, err
	}
	plan := planClassRegistry(in, opts)
	if plan.over != "" {
		return nil, tooMany(plan.over)
	}
	rep.Notes = append(rep.Notes, plan.Notes...)
	if err := applyClassRegPlan(db, plan, rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// crTable returns the named table, or nil when the database has none.
func crTable(db *msi.Database, name string) (*msi.Table, error) {
	if !slices.Contains(db.TableNames(), name) {
		return nil, nil
	}
	t, err := db.Table(name)
	if err != nil {
		return nil, fmt.Errorf("transform: class-to-registry: %w", err)
	}
	return t, nil
}

// crRows calls fn for each row of an optional table.
func crRows(db *msi.Database, name string, fn func(r msi.Row)) error {
	t, err := crTable(db, name)
	if err != nil || t == nil {
		return err
	}
	for r := range t.Rows() {
		fn(r)
	}
	return nil
}

func crStr(r msi.Row, col string) string { return r.Get(col).Str() }

func crOpt(r msi.Row, col string) crOptInt {
	v := r.Get(col)
	if v.Kind() != msi.KindInt {
		return crOptInt{}
	}
	return crInt(v.Int())
}

// crRef returns a row's key and whole row as IDT text.
func crRef(r msi.Row) crRowRef {
	var ref crRowRef
	for _, v := range r.Key() {
		ref.Key = append(ref.Key, v.String())
	}
	for _, v := range r.Values() {
		ref.Old = append(ref.Old, v.String())
	}
	return ref
}

func readClassRegInput(db *msi.Database) (*classRegInput, error) {
	in := &classRegInput{}
	var err error
	step := func(name string, fn func(r msi.Row)) {
		if err == nil {
			err = crRows(db, name, fn)
		}
	}
	step("Property", func(r msi.Row) {
		switch crStr(r, "Property") {
		case "ProductCode":
			in.ProductCode = crStr(r, "Value")
		case "ALLUSERS":
			in.AllUsers = crStr(r, "Value")
		}
	})
	step(crTblClass, func(r msi.Row) {
		in.Classes = append(in.Classes, classRow{
			CLSID: crStr(r, "CLSID"), Context: crStr(r, "Context"), Component: crStr(r, "Component_"),
			ProgIDDefault: crStr(r, "ProgId_Default"), Description: crStr(r, "Description"),
			AppID: crStr(r, "AppId_"), FileTypeMask: crStr(r, "FileTypeMask"), Icon: crStr(r, "Icon_"),
			IconIndex: crOpt(r, "IconIndex"), DefInprocHandler: r.Get("DefInprocHandler").String(),
			Argument: crStr(r, "Argument"), Feature: crStr(r, "Feature_"), Attributes: crOpt(r, "Attributes"),
			ref: crRef(r),
		})
	})
	step(crTblProgID, func(r msi.Row) {
		in.ProgIDs = append(in.ProgIDs, progIDRow{
			ProgID: crStr(r, "ProgId"), Parent: crStr(r, "ProgId_Parent"), Class: crStr(r, "Class_"),
			Description: crStr(r, "Description"), Icon: crStr(r, "Icon_"), IconIndex: crOpt(r, "IconIndex"),
			ref: crRef(r),
		})
	})
	step(crTblAppID, func(r msi.Row) {
		in.AppIDs = append(in.AppIDs, appIDRow{
			AppID: crStr(r, "AppId"), RemoteServerName: crStr(r, "RemoteServerName"), LocalService: crStr(r, "LocalService"),
			ServiceParameters: crStr(r, "ServiceParameters"), DllSurrogate: crStr(r, "DllSurrogate"),
			ActivateAtStorage: crOpt(r, "ActivateAtStorage"), RunAsInteractiveUser: crOpt(r, "RunAsInteractiveUser"),
			ref: crRef(r),
		})
	})
	step(crTblExtension, func(r msi.Row) {
		in.Extensions = append(in.Extensions, extensionRow{
			Extension: crStr(r, "Extension"), Component: crStr(r, "Component_"), ProgID: crStr(r, "ProgId_"),
			MIME: crStr(r, "MIME_"), Feature: crStr(r, "Feature_"), ref: crRef(r),
		})
	})
	step(crTblVerb, func(r msi.Row) {
		in.Verbs = append(in.Verbs, verbRow{
			Extension: crStr(r, "Extension_"), Verb: crStr(r, "Verb"), Sequence: crOpt(r, "Sequence"),
			Command: crStr(r, "Command"), Argument: crStr(r, "Argument"), ref: crRef(r),
		})
	})
	step(crTblMIME, func(r msi.Row) {
		in.MIMEs = append(in.MIMEs, mimeRow{ContentType: crStr(r, "ContentType"), Extension: crStr(r, "Extension_"), CLSID: crStr(r, "CLSID"), ref: crRef(r)})
	})
	step(crTblTypeLib, func(r msi.Row) {
		in.TypeLibs = append(in.TypeLibs, crTypeLibRow{LibID: crStr(r, "LibID"), Component: crStr(r, "Component_"), ref: crRef(r)})
	})
	step("Component", func(r msi.Row) {
		in.Components = append(in.Components, crComponentRow{Component: crStr(r, "Component"), ComponentID: crStr(r, "ComponentId"),
			Directory: crStr(r, "Directory_"), Attributes: r.Get("Attributes").Int(), Condition: crStr(r, "Condition"), KeyPath: crStr(r, "KeyPath")})
	})
	step("File", func(r msi.Row) {
		in.Files = append(in.Files, crFileRow{File: crStr(r, "File"), Component: crStr(r, "Component_"), FileName: crStr(r, "FileName")})
	})
	in.FeatureAttributes = map[string]int32{}
	step("Feature", func(r msi.Row) {
		in.Features = append(in.Features, crStr(r, "Feature"))
		in.FeatureAttributes[crStr(r, "Feature")] = r.Get("Attributes").Int()
	})
	step("FeatureComponents", func(r msi.Row) {
		in.FeatureComponents = append(in.FeatureComponents, crFeatureComponent{Feature: crStr(r, "Feature_"), Component: crStr(r, "Component_")})
	})
	step("Icon", func(r msi.Row) { in.Icons = append(in.Icons, crStr(r, "Name")) })
	in.HasRegistryTable = slices.Contains(db.TableNames(), crTblRegistry)
	step(crTblRegistry, func(r msi.Row) {
		in.Registry = append(in.Registry, crRegistryRow{ID: crStr(r, "Registry"), Root: int16(r.Get("Root").Int()),
			Key: crStr(r, "Key"), Name: crStr(r, "Name"), Value: crStr(r, "Value"), Component: crStr(r, "Component_")})
	})
	for _, seq := range []string{crSeqInstall, "AdvtExecuteSequence", crSeqModule} {
		step(seq, func(r msi.Row) {
			in.Sequences = append(in.Sequences, crSequenceRow{Table: seq, Action: crStr(r, "Action"), Condition: crStr(r, "Condition"), Sequence: crOpt(r, "Sequence")})
		})
	}
	if err != nil {
		return nil, err
	}
	in.Platform = crTemplatePlatform(db)
	in.ComponentWidth = identWidth(db, 72, "Component.Component", "FeatureComponents.Component_", "Registry.Component_")
	in.RegistryWidth = identWidth(db, 72, "Registry.Registry", "Component.KeyPath")
	in.MergeModule = db.Kind() == msi.PackageMergeModule
	return in, nil
}

// crTemplatePlatform returns the platform part of the summary information
// Template ("Intel;1033" -> "Intel"), or "" when it cannot be read.
func crTemplatePlatform(db *msi.Database) string {
	si, err := db.SummaryInfo()
	if err != nil {
		return ""
	}
	p, _, _ := strings.Cut(si.String(msi.PIDTemplate), ";")
	return strings.TrimSpace(p)
}

// crRegistryColumns is the standard schema of the Registry table.
var crRegistryColumns = []struct{ name, typ string }{
	{"Registry", "s72"}, {"Root", "i2"}, {"Key", "l255"}, {"Name", "L255"}, {"Value", "L0"}, {"Component_", "s72"},
}

// crRegistryValidation are the standard _Validation rows of the Registry
// table: Column, Nullable, MinValue, MaxValue, KeyTable, KeyColumn,
// Category, Set, Description.
var crRegistryValidation = [][]string{
	{"Registry", "N", "", "", "", "", "Identifier", "", "Primary key, non-localized token."},
	{"Root", "N", "-1", "3", "", "", "", "", "The predefined root key for the registry value, one of rrkEnum."},
	{"Key", "N", "", "", "", "", "RegPath", "", "The key for the registry value."},
	{"Name", "Y", "", "", "", "", "Formatted", "", "The registry value name."},
	{"Value", "Y", "", "", "", "", "Formatted", "", "The registry value."},
	{"Component_", "N", "", "", "Component", "1", "Identifier", "", "Foreign key into the Component table referencing component that controls the installing of the registry value."},
}

func crCreateRegistry(db *msi.Database) (*msi.Table, error) {
	var cols []msi.Column
	for i, c := range crRegistryColumns {
		col, err := msi.ParseIDTType(c.typ)
		if err != nil {
			return nil, err
		}
		col.Name = c.name
		col.Key = i == 0
		cols = append(cols, col)
	}
	t, err := db.CreateTable(crTblRegistry, cols)
	if err != nil {
		return nil, err
	}
	return t, crDescribe(db, crTblRegistry, crRegistryValidation)
}

// crDescribe adds the _Validation rows of a table the pass created, when
// the package has a _Validation table (rows it already has are kept).
func crDescribe(db *msi.Database, table string, rows [][]string) error {
	val, err := crTable(db, "_Validation")
	if err != nil || val == nil {
		return err
	}
	for _, v := range rows {
		cells := append([]string{table}, v...)
		vals := make([]msi.Value, 0, len(val.Columns()))
		for i, col := range val.Columns() {
			s := ""
			if i < len(cells) {
				s = cells[i]
			}
			vals = append(vals, crValue(col, s))
		}
		if _, exists := val.Lookup(vals[0], vals[1]); exists {
			continue
		}
		if err := val.Insert(vals...); err != nil {
			return err
		}
	}
	return nil
}

// crValue converts IDT text to a Value of col's type ("" is null).
func crValue(col msi.Column, s string) msi.Value {
	if s == "" {
		return msi.Null
	}
	if col.Type == msi.ColInt16 || col.Type == msi.ColInt32 {
		var n int32
		if _, err := fmt.Sscan(s, &n); err == nil {
			return msi.IntValue(n)
		}
		return msi.Null
	}
	return msi.StrValue(s)
}

func applyClassRegPlan(db *msi.Database, plan *classRegPlan, rep *Report) error {
	// Deletions first: a failure later leaves the report saying what was done.
	byTable := map[string]map[string]crRemove{}
	for _, r := range plan.Remove {
		if byTable[r.Table] == nil {
			byTable[r.Table] = map[string]crRemove{}
		}
		byTable[r.Table][strings.Join(r.Ref.Key, "\x00")] = r
	}
	for _, table := range []string{crTblClass, crTblProgID, crTblAppID, crTblExtension, crTblVerb, crTblMIME} {
		want := byTable[table]
		if len(want) == 0 {
			continue
		}
		t, err := crTable(db, table)
		if err != nil {
			return err
		}
		if t == nil {
			return fmt.Errorf("transform: class-to-registry: table %s vanished", table)
		}
		t.DeleteFunc(func(row msi.Row) bool {
			ref := crRef(row)
			r, ok := want[strings.Join(ref.Key, "\x00")]
			if ok {
				rep.add(Change{Op: OpRemove, Table: table, Key: ref.Key, Old: ref.Old, Reason: r.Reason})
			}
			return ok
		})
	}
	if err := applyClassRegComponents(db, plan, rep); err != nil {
		return err
	}
	if len(plan.Add) > 0 {
		reg, err := crTable(db, crTblRegistry)
		if err != nil {
			return err
		}
		if reg == nil {
			if reg, err = crCreateRegistry(db); err != nil {
				return fmt.Errorf("transform: class-to-registry: creating the Registry table: %w", err)
			}
			rep.note(Info, crTblRegistry, nil, "created the Registry table (standard schema)")
		}
		cols := reg.Columns()
		for _, a := range plan.Add {
			cells := map[string]string{}
			for i, c := range crRegistryColumns {
				cells[c.name] = a.Row.idt()[i]
			}
			vals := make([]msi.Value, len(cols))
			text := make([]string, len(cols))
			for i, col := range cols {
				vals[i] = crValue(col, cells[col.Name])
				text[i] = vals[i].String()
			}
			if err := reg.Insert(vals...); err != nil {
				return fmt.Errorf("transform: class-to-registry: adding Registry row %s: %w", a.Row.ID, err)
			}
			rep.add(Change{Op: OpAdd, Table: crTblRegistry, Key: []string{a.Row.ID}, New: text, Reason: a.Reason})
		}
	}
	for _, a := range plan.Actions {
		seq, err := crTable(db, a.Table)
		if err != nil {
			return err
		}
		if seq == nil && a.Table == crSeqModule {
			if seq, err = crCreateModuleSequence(db, rep); err != nil {
				return fmt.Errorf("transform: class-to-registry: creating %s: %w", a.Table, err)
			}
		}
		if seq == nil {
			return nil
		}
		cells := map[string]string{"Action": a.Action, "Sequence": crItoa(int(a.Sequence))}
		vals := make([]msi.Value, len(seq.Columns()))
		text := make([]string, len(vals))
		for i, col := range seq.Columns() {
			vals[i] = crValue(col, cells[col.Name])
			text[i] = vals[i].String()
		}
		if err := seq.Insert(vals...); err != nil {
			return fmt.Errorf("transform: class-to-registry: adding %s: %w", a.Action, err)
		}
		rep.add(Change{Op: OpAdd, Table: a.Table, Key: []string{a.Action}, New: text, Reason: "the Registry rows need it"})
	}
	return nil
}

// crModuleSequenceColumns is the standard schema of a merge module's
// ModuleInstallExecuteSequence table; crInstallSequenceColumns that of
// InstallExecuteSequence, which a module with a Module*Sequence table must
// also carry (empty) for the merge tool.
var (
	crModuleSequenceColumns  = []crColumnDef{{"Action", "s72", true}, {"Sequence", "I2", false}, {"BaseAction", "S72", false}, {"After", "I2", false}, {"Condition", "S255", false}}
	crInstallSequenceColumns = []crColumnDef{{"Action", "s72", true}, {"Condition", "S255", false}, {"Sequence", "I2", false}}
)

// The standard _Validation rows of the two sequence tables (Column,
// Nullable, MinValue, MaxValue, KeyTable, KeyColumn, Category, Set,
// Description).
var (
	crModuleSequenceValidation = [][]string{
		{"Action", "N", "", "", "", "", "Identifier", "", "Action to insert"},
		{"Sequence", "Y", "-4", "32767", "", "", "", "", "Standard Sequence number"},
		{"BaseAction", "Y", "", "", crSeqModule, "1", "Identifier", "", "Base action to determine insert location."},
		{"After", "Y", "0", "1", "", "", "", "", "Before (0) or After (1)"},
		{"Condition", "Y", "", "", "", "", "Condition", "", ""},
	}
	crInstallSequenceValidation = [][]string{
		{"Action", "N", "", "", "", "", "Identifier", "", "Name of action to invoke, either in the engine or the handler DLL."},
		{"Condition", "Y", "", "", "", "", "Condition", "", "Optional expression which skips the action if evaluates to expFalse.If the expression syntax is invalid, the engine will terminate, returning iesBadActionData."},
		{"Sequence", "Y", "-4", "32767", "", "", "", "", "Number that determines the sort order in which the actions are to be executed.  Leave blank to suppress action."},
	}
)

type crColumnDef struct {
	name, typ string
	key       bool
}

func crCreateTable(db *msi.Database, name string, defs []crColumnDef) (*msi.Table, error) {
	var cols []msi.Column
	for _, d := range defs {
		col, err := msi.ParseIDTType(d.typ)
		if err != nil {
			return nil, err
		}
		col.Name, col.Key = d.name, d.key
		cols = append(cols, col)
	}
	return db.CreateTable(name, cols)
}

// crCreateModuleSequence creates ModuleInstallExecuteSequence (and the
// empty InstallExecuteSequence the merge tool needs beside it) in a merge
// module that had none.
func crCreateModuleSequence(db *msi.Database, rep *Report) (*msi.Table, error) {
	if t, err := crTable(db, crSeqInstall); err != nil {
		return nil, err
	} else if t == nil {
		if _, err := crCreateTable(db, crSeqInstall, crInstallSequenceColumns); err != nil {
			return nil, err
		}
		if err := crDescribe(db, crSeqInstall, crInstallSequenceValidation); err != nil {
			return nil, err
		}
		rep.note(Info, crSeqInstall, nil, "created the (empty) InstallExecuteSequence table a merge module with a ModuleInstallExecuteSequence table must carry")
	}
	t, err := crCreateTable(db, crSeqModule, crModuleSequenceColumns)
	if err != nil {
		return nil, err
	}
	if err := crDescribe(db, crSeqModule, crModuleSequenceValidation); err != nil {
		return nil, err
	}
	rep.note(Info, crSeqModule, nil, "created the ModuleInstallExecuteSequence table (standard schema)")
	return t, nil
}

// applyClassRegComponents adds the plan's registry-only components and
// their FeatureComponents rows.
func applyClassRegComponents(db *msi.Database, plan *classRegPlan, rep *Report) error {
	if len(plan.Components) == 0 {
		return nil
	}
	comp, err := crTable(db, "Component")
	if err != nil {
		return err
	}
	fc, err := crTable(db, "FeatureComponents")
	if err != nil {
		return err
	}
	if comp == nil || fc == nil {
		return fmt.Errorf("transform: class-to-registry: a new component needs the Component and FeatureComponents tables")
	}
	insert := func(t *msi.Table, cells map[string]string, reason string) error {
		cols := t.Columns()
		vals := make([]msi.Value, len(cols))
		text := make([]string, len(cols))
		for i, col := range cols {
			vals[i] = crValue(col, cells[col.Name])
			text[i] = vals[i].String()
		}
		if err := t.Insert(vals...); err != nil {
			return fmt.Errorf("transform: class-to-registry: adding %s row: %w", t.Name(), err)
		}
		var key []string
		for i, col := range cols {
			if col.Key {
				key = append(key, text[i])
			}
		}
		rep.add(Change{Op: OpAdd, Table: t.Name(), Key: key, New: text, Reason: reason})
		return nil
	}
	for _, nc := range plan.Components {
		why := "registry-only component: " + nc.Reason
		if err := insert(comp, map[string]string{"Component": nc.Component, "ComponentId": nc.ComponentID, "Directory_": nc.Directory,
			"Attributes": crItoa(int(nc.Attributes)), "Condition": nc.Condition, "KeyPath": nc.KeyPath}, why); err != nil {
			return err
		}
		if err := insert(fc, map[string]string{"Feature_": nc.Feature, "Component_": nc.Component}, why); err != nil {
			return err
		}
		if nc.KeyPath != "" {
			continue
		}
		// Its rows only create keys, so its folder is its key path: the
		// folder must be in CreateFolder (ICE18), or an install that does
		// not otherwise create it leaves the component looking absent,
		// and every health check of its feature starts a repair.
		cf, err := crCreateFolderTable(db, rep)
		if err != nil {
			return err
		}
		if _, exists := cf.Lookup(msi.StrValue(nc.Directory), msi.StrValue(nc.Component)); !exists {
			if err := insert(cf, map[string]string{"Directory_": nc.Directory, "Component_": nc.Component},
				"the folder is the key path of registry-only component "+nc.Component+" (its rows only create keys), so it is created with it"); err != nil {
				return err
			}
		}
	}
	return nil
}

// crCreateFolderColumns is the standard schema of the CreateFolder table.
var crCreateFolderColumns = []crColumnDef{{"Directory_", "s72", true}, {"Component_", "s72", true}}

// crCreateFolderValidation are the standard _Validation rows of the
// CreateFolder table (Column, Nullable, MinValue, MaxValue, KeyTable,
// KeyColumn, Category, Set, Description).
var crCreateFolderValidation = [][]string{
	{"Directory_", "N", "", "", "Directory", "1", "Identifier", "", "Primary key, could be foreign key into the Directory table."},
	{"Component_", "N", "", "", "Component", "1", "Identifier", "", "Foreign key into the Component table."},
}

// crCreateFolderTable returns the CreateFolder table, creating it (with
// its _Validation rows, and the CreateFolders and RemoveFolders actions
// when InstallExecuteSequence lacks them) when the package has none.
func crCreateFolderTable(db *msi.Database, rep *Report) (*msi.Table, error) {
	if t, err := crTable(db, "CreateFolder"); err != nil || t != nil {
		return t, err
	}
	t, err := crCreateTable(db, "CreateFolder", crCreateFolderColumns)
	if err != nil {
		return nil, fmt.Errorf("transform: class-to-registry: creating the CreateFolder table: %w", err)
	}
	if err := crDescribe(db, "CreateFolder", crCreateFolderValidation); err != nil {
		return nil, err
	}
	rep.note(Info, "CreateFolder", nil, "created the CreateFolder table (standard schema)")
	seq, err := crTable(db, crSeqInstall)
	if err != nil || seq == nil {
		return t, err
	}
	// The recommended sequence numbers of the two actions.
	for _, a := range []struct {
		action string
		seq    int
	}{{"RemoveFolders", 3600}, {"CreateFolders", 3700}} {
		if _, ok := seq.Lookup(msi.StrValue(a.action)); ok {
			continue
		}
		cells := map[string]string{"Action": a.action, "Sequence": crItoa(a.seq)}
		vals := make([]msi.Value, len(seq.Columns()))
		text := make([]string, len(vals))
		for i, col := range seq.Columns() {
			vals[i] = crValue(col, cells[col.Name])
			text[i] = vals[i].String()
		}
		if err := seq.Insert(vals...); err != nil {
			return nil, fmt.Errorf("transform: class-to-registry: adding %s: %w", a.action, err)
		}
		rep.add(Change{Op: OpAdd, Table: crSeqInstall, Key: []string{a.action}, New: text, Reason: "the CreateFolder rows need it"})
	}
	return t, nil
}
