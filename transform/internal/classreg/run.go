package classreg

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform/internal/edit"
)

// Options are the options of the pass (transform.Options).
type Options struct {
	DropUnexpressible, NoIconCache bool
	MaxChanges                     int
	// Stop, if not nil, stops reading the tables and planning once its
	// context is done: Run then returns Stop.Err() and changes nothing.
	// The plan, once made, is applied whole (its size is bounded by
	// MaxChanges).
	Stop *edit.Stop
	// Shared, if not nil, holds the FeatureComponents pairs for the
	// passes run after this one (edit.Shared), or those an earlier one
	// read.
	Shared *edit.Shared
	// Sink, if not nil, takes the changes in place of the returned
	// Log's Changes (edit.Log.Sink).
	Sink edit.Sink
	// NoteSink, if not nil, takes the notes in place of the returned
	// Log's Notes and Planned notes (edit.Log.NoteSink).
	NoteSink edit.NoteSink
}

// Run rewrites the advertised COM and shell registration of db as plain
// Registry rows (transform.ClassToRegistry documents what it does) and
// returns what it did. An error wrapping edit.ErrTooManyChanges, or
// opts.Stop's error, leaves db unchanged.
func Run(db *msi.Database, opts Options) (*edit.Log, error) {
	rep := &edit.Log{Sink: opts.Sink, NoteSink: opts.NoteSink}
	if k := db.Kind(); k == msi.PackagePatch || k == msi.PackageTransform {
		return nil, fmt.Errorf("transform: class-to-registry: a %v is %w", k, edit.ErrNotInstaller)
	}
	in, err := readInput(db, opts.Stop, opts.Shared)
	if err != nil {
		return nil, err
	}
	// The plan's notes go to the report as they are made, through rep
	// (which counts them), when it takes them (NoteSink).
	popts := opts
	if opts.NoteSink != nil {
		popts.NoteSink = rep
	}
	plan := planFor(in, popts)
	// Stopped while planning: the plan is partial, and nothing has been
	// changed yet. Past this point the plan is applied whole.
	if opts.Stop.Stopped() {
		return nil, opts.Stop.Err()
	}
	if plan.over != "" {
		return nil, edit.TooMany(plan.over)
	}
	// Refused before anything is changed: a package without them cannot
	// take the plan's new registry-only components.
	if err := componentTables(db, plan); err != nil {
		return nil, err
	}
	// The plan's notes come first in the report, then those of
	// applyPlan: moved there in their chunks, not copied (a package may
	// hold a note for each of hundreds of thousands of rows, and the
	// report converts them once more).
	rep.AddPlanned(&plan.notes)
	err = applyPlan(db, plan, rep, opts.Shared)
	if err != nil {
		opts.Shared.Forget() // the tables may be partly changed
	}
	return rep, err
}

// optTable returns the named table, or nil when the database has none.
func optTable(db *msi.Database, name string) (*msi.Table, error) {
	t, err := edit.Table(db, name)
	if err != nil {
		return nil, fmt.Errorf("transform: class-to-registry: %w", err)
	}
	return t, nil
}

// eachRow calls fn for each row of an optional table, until stop says
// to stop (then it returns stop's error).
func eachRow(db *msi.Database, stop *edit.Stop, name string, fn func(r msi.Row)) error {
	t, err := optTable(db, name)
	if err != nil || t == nil {
		return err
	}
	for r := range t.Rows() {
		if stop.Tick() {
			return stop.Err()
		}
		fn(r)
	}
	return nil
}

func str(r msi.Row, col string) string { return r.Get(col).Str() }

func opt(r msi.Row, col string) OptInt {
	v := r.Get(col)
	if v.Kind() != msi.KindInt {
		return OptInt{}
	}
	return optInt(v.Int())
}

// keyRef returns a row's key as IDT text: what the plan keeps of a source
// row (the report's Old is read from the row when it is removed, so no
// copy of every row is held while planning).
func keyRef(r msi.Row) RowRef {
	var buf [4]msi.Value
	k := r.AppendKey(buf[:0]) // not a slice made for each row
	ref := RowRef{Key: make([]string, len(k))}
	for i, v := range k {
		ref.Key[i] = v.String()
	}
	return ref
}

// rowText returns a row's key and whole row as IDT text, in one
// allocation: grown by append, the 13 cells of each of 65,000 removed
// Class rows took 256 bytes and five allocations.
func rowText(r msi.Row) (key, row []string) {
	k, vals := r.Key(), r.Values()
	cells := make([]string, len(k)+len(vals))
	key, row = cells[:len(k):len(k)], cells[len(k):]
	for i, v := range k {
		key[i] = v.String()
	}
	for i, v := range vals {
		row[i] = v.String()
	}
	return key, row
}

// sized returns an empty slice with room for the rows of an optional
// table (nil when it has none): the Input's slices of a package with
// 65,000 classes are made once, not regrown along the way.
func sized[T any](db *msi.Database, table string) []T {
	t, err := edit.Table(db, table)
	if err != nil || t == nil || t.Len() == 0 {
		return nil
	}
	return make([]T, 0, t.Len())
}

// readInput reads the tables the pass needs, FeatureComponents through
// shared (nil: read here); it returns stop's error once stop says to
// stop.
func readInput(db *msi.Database, stop *edit.Stop, shared *edit.Shared) (*Input, error) {
	in := &Input{
		Classes:    sized[ClassRow](db, tblClass),
		ProgIDs:    sized[ProgIDRow](db, tblProgID),
		AppIDs:     sized[AppIDRow](db, tblAppID),
		Extensions: sized[ExtensionRow](db, tblExtension),
		Verbs:      sized[VerbRow](db, tblVerb),
		MIMEs:      sized[MIMERow](db, tblMIME),
		TypeLibs:   sized[TypeLibRow](db, tblTypeLib),
		Registry:   sized[RegistryRow](db, tblRegistry),
		// Sized too: grown by appending, the 120,000 Component rows of
		// a package allocated 50 MB in copies (read twice by an audit).
		Components: sized[ComponentRow](db, "Component"),
		Files:      sized[FileRow](db, "File"),
	}
	var err error
	step := func(name string, fn func(r msi.Row)) {
		if err == nil {
			err = eachRow(db, stop, name, fn)
		}
	}
	step("Property", func(r msi.Row) {
		switch str(r, "Property") {
		case "ProductCode":
			in.ProductCode = str(r, "Value")
		case "ALLUSERS":
			in.AllUsers = str(r, "Value")
		}
	})
	step(tblClass, func(r msi.Row) {
		in.Classes = append(in.Classes, ClassRow{
			CLSID: str(r, "CLSID"), Context: str(r, "Context"), Component: str(r, "Component_"),
			ProgIDDefault: str(r, "ProgId_Default"), Description: str(r, "Description"),
			AppID: str(r, "AppId_"), FileTypeMask: str(r, "FileTypeMask"), Icon: str(r, "Icon_"),
			IconIndex: opt(r, "IconIndex"), DefInprocHandler: r.Get("DefInprocHandler").String(),
			Argument: str(r, "Argument"), Feature: str(r, "Feature_"), Attributes: opt(r, "Attributes"),
			ref: keyRef(r),
		})
	})
	step(tblProgID, func(r msi.Row) {
		in.ProgIDs = append(in.ProgIDs, ProgIDRow{
			ProgID: str(r, "ProgId"), Parent: str(r, "ProgId_Parent"), Class: str(r, "Class_"),
			Description: str(r, "Description"), Icon: str(r, "Icon_"), IconIndex: opt(r, "IconIndex"),
			ref: keyRef(r),
		})
	})
	step(tblAppID, func(r msi.Row) {
		in.AppIDs = append(in.AppIDs, AppIDRow{
			AppID: str(r, "AppId"), RemoteServerName: str(r, "RemoteServerName"), LocalService: str(r, "LocalService"),
			ServiceParameters: str(r, "ServiceParameters"), DllSurrogate: str(r, "DllSurrogate"),
			ActivateAtStorage: opt(r, "ActivateAtStorage"), RunAsInteractiveUser: opt(r, "RunAsInteractiveUser"),
			ref: keyRef(r),
		})
	})
	step(tblExtension, func(r msi.Row) {
		in.Extensions = append(in.Extensions, ExtensionRow{
			Extension: str(r, "Extension"), Component: str(r, "Component_"), ProgID: str(r, "ProgId_"),
			MIME: str(r, "MIME_"), Feature: str(r, "Feature_"), ref: keyRef(r),
		})
	})
	step(tblVerb, func(r msi.Row) {
		in.Verbs = append(in.Verbs, VerbRow{
			Extension: str(r, "Extension_"), Verb: str(r, "Verb"), Sequence: opt(r, "Sequence"),
			Command: str(r, "Command"), Argument: str(r, "Argument"), ref: keyRef(r),
		})
	})
	step(tblMIME, func(r msi.Row) {
		in.MIMEs = append(in.MIMEs, MIMERow{ContentType: str(r, "ContentType"), Extension: str(r, "Extension_"), CLSID: str(r, "CLSID"), ref: keyRef(r)})
	})
	step(tblTypeLib, func(r msi.Row) {
		in.TypeLibs = append(in.TypeLibs, TypeLibRow{LibID: str(r, "LibID"), Component: str(r, "Component_"), ref: keyRef(r)})
	})
	step("Component", func(r msi.Row) {
		in.Components = append(in.Components, ComponentRow{Component: str(r, "Component"), ComponentID: str(r, "ComponentId"),
			Directory: str(r, "Directory_"), Attributes: r.Get("Attributes").Int(), Condition: str(r, "Condition"), KeyPath: str(r, "KeyPath")})
	})
	step("File", func(r msi.Row) {
		in.Files = append(in.Files, FileRow{File: str(r, "File"), Component: str(r, "Component_"), FileName: str(r, "FileName")})
	})
	step("Feature", func(r msi.Row) {
		in.Features = append(in.Features, str(r, "Feature"))
		in.FeatureAttributes.Set(str(r, "Feature"), r.Get("Attributes").Int())
	})
	if err == nil {
		var t *msi.Table
		if t, err = optTable(db, "FeatureComponents"); t != nil {
			in.featureComponents, err = shared.FeatureComponents(t, stop)
		}
	}
	step("Icon", func(r msi.Row) { in.Icons = append(in.Icons, str(r, "Name")) })
	in.HasRegistryTable = slices.Contains(db.TableNames(), tblRegistry)
	step(tblRegistry, func(r msi.Row) {
		in.Registry = append(in.Registry, RegistryRow{ID: str(r, "Registry"), Root: int16(r.Get("Root").Int()),
			Key: str(r, "Key"), Name: str(r, "Name"), Value: str(r, "Value"), Component: str(r, "Component_")})
	})
	if err == nil {
		in.ComponentRefs, err = componentRefs(db, stop, in.featureComponents)
	}
	signed := false
	step("ModuleSignature", func(r msi.Row) {
		if !signed {
			signed = true
			in.ModuleID, in.ModuleLanguage, in.ModuleProblem = moduleSignature(r)
		}
	})
	for _, seq := range []string{seqInstall, "AdvtExecuteSequence", seqModule} {
		step(seq, func(r msi.Row) {
			in.Sequences = append(in.Sequences, SequenceRow{Table: seq, Action: str(r, "Action"), Condition: str(r, "Condition"), Sequence: opt(r, "Sequence")})
		})
	}
	if err != nil {
		return nil, err
	}
	in.Platform = templatePlatform(db)
	in.ComponentWidth = edit.IdentWidth(db, 72, "Component.Component", "FeatureComponents.Component_", "Registry.Component_")
	in.RegistryWidth = edit.IdentWidth(db, 72, "Registry.Registry", "Component.KeyPath")
	in.MergeModule = db.Kind() == msi.PackageMergeModule
	return in, nil
}

// moduleSignature returns the ModuleID and Language of a ModuleSignature
// row, or why a component cannot be listed in ModuleComponents with them
// (Input.ModuleProblem): a ModuleID or Language that is null, or a
// Language that is not a 16-bit number (a crafted module's column may be
// text).
func moduleSignature(r msi.Row) (id, lang, problem string) {
	id = str(r, "ModuleID")
	if id == "" {
		return "", "", "its ModuleID is null"
	}
	v := r.Get("Language")
	switch v.Kind() {
	case msi.KindNull:
		return id, "", "its Language is null"
	case msi.KindInt:
		lang = v.String()
	default:
		lang = v.String()
		if _, err := strconv.ParseInt(lang, 10, 16); err != nil {
			return id, "", clip.Sprintf("its Language %q is not a number", lang)
		}
	}
	return id, lang, ""
}

// componentRefs returns the names of at most 72 bytes that
// componentRefColumns give, and those of the components of fc (the
// FeatureComponents pairs, read once already), or stop's error once stop
// says to stop (Input.ComponentRefs).
func componentRefs(db *msi.Database, stop *edit.Stop, fc *edit.Pairs) (map[string]bool, error) {
	refs := map[string]bool{}
	// The pass names a component "reg_" and more, of at most 72
	// characters, or in a Component column narrower than 13 characters
	// a short name of its own: other names are not kept (a package can
	// name hundreds of thousands of components).
	add := func(c string) {
		if c != "" && (len(c) < 13 || len(c) <= 72 && strings.EqualFold(c[:4], "reg_")) {
			refs[c] = true
		}
	}
	if fc != nil {
		for c := range fc.RightNames() {
			add(c)
		}
	}
	for _, tc := range componentRefColumns {
		table, col, _ := strings.Cut(tc, ".")
		t, err := optTable(db, table)
		if err != nil {
			return nil, err
		}
		i := -1
		if t != nil {
			i = edit.ColumnIndex(t, col)
		}
		if i < 0 {
			continue
		}
		for r := range t.Rows() {
			if stop.Tick() {
				return nil, stop.Err()
			}
			add(edit.StrAt(r, i))
		}
	}
	return refs, nil
}

// componentRefColumns are the columns of the standard tables whose
// values name a component (keys into the Component table), as
// Table.Column, but FeatureComponents' (read as pairs):
// Input.ComponentRefs.
var componentRefColumns = []string{
	"ModuleComponents.Component",
	"File.Component_", "Registry.Component_", "RemoveRegistry.Component_", "Class.Component_", "Extension.Component_",
	"TypeLib.Component_", "PublishComponent.Component_", "Shortcut.Component_", "CreateFolder.Component_",
	"RemoveFile.Component_", "MoveFile.Component_", "DuplicateFile.Component_", "IniFile.Component_",
	"RemoveIniFile.Component_", "Environment.Component_", "ServiceInstall.Component_", "ServiceControl.Component_",
	"MsiServiceConfig.Component_", "MsiServiceConfigFailureActions.Component_", "ODBCDataSource.Component_",
	"ODBCDriver.Component_", "ODBCTranslator.Component_", "ReserveCost.Component_", "MsiAssembly.Component_",
	"MsiAssemblyName.Component_", "IsolatedComponent.Component_Shared", "IsolatedComponent.Component_Application",
	"Complus.Component_",
}

// templatePlatform returns the platform part of the summary information
// Template ("Intel;1033" -> "Intel"), or "" when it cannot be read.
func templatePlatform(db *msi.Database) string {
	si, err := db.SummaryInfo()
	if err != nil {
		return ""
	}
	p, _, _ := strings.Cut(si.String(msi.PIDTemplate), ";")
	return strings.TrimSpace(p)
}

// registryColumns is the standard schema of the Registry table.
var registryColumns = []struct{ name, typ string }{
	{"Registry", "s72"}, {"Root", "i2"}, {"Key", "l255"}, {"Name", "L255"}, {"Value", "L0"}, {"Component_", "s72"},
}

// registryValidation are the standard _Validation rows of the Registry
// table: Column, Nullable, MinValue, MaxValue, KeyTable, KeyColumn,
// Category, Set, Description.
var registryValidation = [][]string{
	{"Registry", "N", "", "", "", "", "Identifier", "", "Primary key, non-localized token."},
	{"Root", "N", "-1", "3", "", "", "", "", "The predefined root key for the registry value, one of rrkEnum."},
	{"Key", "N", "", "", "", "", "RegPath", "", "The key for the registry value."},
	{"Name", "Y", "", "", "", "", "Formatted", "", "The registry value name."},
	{"Value", "Y", "", "", "", "", "Formatted", "", "The registry value."},
	{"Component_", "N", "", "", "Component", "1", "Identifier", "", "Foreign key into the Component table referencing component that controls the installing of the registry value."},
}

func createRegistry(db *msi.Database) (*msi.Table, error) {
	var cols []msi.Column
	for i, c := range registryColumns {
		col, err := msi.ParseIDTType(c.typ)
		if err != nil {
			return nil, err
		}
		col.Name = c.name
		col.Key = i == 0
		cols = append(cols, col)
	}
	t, err := db.CreateTable(tblRegistry, cols)
	if err != nil {
		return nil, err
	}
	return t, describe(db, tblRegistry, registryValidation)
}

// describe adds the _Validation rows of a table the pass created, when
// the package has a _Validation table (rows it already has are kept).
func describe(db *msi.Database, table string, rows [][]string) error {
	val, err := optTable(db, "_Validation")
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
			vals = append(vals, edit.Value(col, s))
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

func applyPlan(db *msi.Database, plan *Plan, rep *edit.Log, shared *edit.Shared) error {
	// Deletions first: a failure later leaves the report saying what was done.
	// By table, then by a name of the row's key cells that does not copy
	// a long pooled text they name.
	// The report's changes, made room for at once: grown by append, the
	// slice of 195,000 changes is copied as it grows, the old array
	// held with the new.
	rep.Grow(len(plan.Remove) + 3*len(plan.Components) + plan.adds.len() + len(plan.Actions))
	if err := applyRemovals(db, plan, rep); err != nil {
		return err
	}
	if err := applyComponents(db, plan, rep, shared); err != nil {
		return err
	}
	if err := applyAdditions(db, plan, rep); err != nil {
		return err
	}
	for _, a := range plan.Actions {
		seq, err := optTable(db, a.Table)
		if err != nil {
			return err
		}
		if seq == nil && a.Table == seqModule {
			if seq, err = createModuleSequence(db, rep); err != nil {
				return fmt.Errorf("transform: class-to-registry: creating %s: %w", a.Table, err)
			}
		}
		if seq == nil {
			// The plan adds actions only to sequence tables it read
			// (or to a module sequence it creates above).
			return fmt.Errorf("transform: class-to-registry: table %s vanished", a.Table)
		}
		if err := addAction(seq, a.Table, a.Action, int(a.Sequence), "the Registry rows need it", rep); err != nil {
			return err
		}
	}
	return nil
}

// addAction adds the row of action at sequence to the sequence table seq
// (named table), recording it with reason.
func addAction(seq *msi.Table, table, action string, sequence int, reason string, rep *edit.Log) error {
	cells := map[string]string{"Action": action, "Sequence": strconv.Itoa(sequence)}
	vals := make([]msi.Value, len(seq.Columns()))
	text := make([]string, len(vals))
	for i, col := range seq.Columns() {
		vals[i] = edit.Value(col, cells[col.Name])
		text[i] = vals[i].String()
	}
	if err := seq.Insert(vals...); err != nil {
		return fmt.Errorf("transform: class-to-registry: adding %s: %w", action, err)
	}
	rep.Change(edit.Change{Op: edit.Add, Table: table, Key: []string{action}, New: text, Reason: reason})
	return nil
}

// applyRemovals deletes the plan's removed rows, recording each, and
// lets plan.Remove go: the rows removed are found by their key through
// an index into it, not a map of copies, and once they are gone the
// plan's removals (and their keys) are garbage while the rows are
// added.
func applyRemovals(db *msi.Database, plan *Plan, rep *edit.Log) error {
	// By table, then by a name of the row's key cells that does not copy
	// a long pooled text they name.
	var keys edit.RowKeys
	byTable := map[string]map[string]int32{}
	for i, r := range plan.Remove {
		if byTable[r.Table] == nil {
			byTable[r.Table] = map[string]int32{}
		}
		byTable[r.Table][keys.Key("", r.Ref.Key)] = int32(i)
	}
	for _, table := range []string{tblClass, tblProgID, tblAppID, tblExtension, tblVerb, tblMIME} {
		want := byTable[table]
		if len(want) == 0 {
			continue
		}
		t, err := optTable(db, table)
		if err != nil {
			return err
		}
		if t == nil {
			return fmt.Errorf("transform: class-to-registry: table %s vanished", table)
		}
		var kv []msi.Value
		var kt []string
		t.DeleteFunc(func(row msi.Row) bool {
			// The whole row is read only when it goes: the table may
			// hold hundreds of thousands of rows the pass leaves alone.
			// Its key is looked up through slices reused for each row.
			kv, kt = row.AppendKey(kv[:0]), kt[:0]
			for _, v := range kv {
				kt = append(kt, v.String())
			}
			i, ok := want[keys.Key("", kt)]
			if ok {
				key, old := rowText(row)
				rep.Change(edit.Change{Op: edit.Remove, Table: table, Key: key, Old: old, Reason: plan.Remove[i].Reason})
			}
			return ok
		})
	}
	plan.Remove = nil
	return nil
}

// applyAdditions inserts the plan's Registry rows, recording each, and
// lets each chunk of them go once applied (additions).
func applyAdditions(db *msi.Database, plan *Plan, rep *edit.Log) error {
	if plan.adds.len() == 0 {
		return nil
	}
	reg, err := optTable(db, tblRegistry)
	if err != nil {
		return err
	}
	if reg == nil {
		if reg, err = createRegistry(db); err != nil {
			return fmt.Errorf("transform: class-to-registry: creating the Registry table: %w", err)
		}
		rep.Note(edit.Info, tblRegistry, nil, "created the Registry table (standard schema)")
	}
	cols := reg.Columns()
	// The cell of column i is cell(a, at[i]), at[i] < 0 for a column
	// outside the standard schema (empty): found once, not a map of the
	// cells made for each of 130,000 rows.
	at := make([]int, len(cols))
	for i, col := range cols {
		at[i] = slices.IndexFunc(registryColumns, func(c struct{ name, typ string }) bool { return c.name == col.Name })
	}
	key := slices.IndexFunc(cols, func(c msi.Column) bool { return c.Key })
	vals := make([]msi.Value, len(cols))
	// The rows' texts (the report's New) are cut from blocks, not made
	// one slice each: 360,000 allocations fewer for as many rows.
	var block []string
	adds := &plan.adds
	return adds.drain(func(a *addition) error {
		if len(block) < len(cols) {
			block = make([]string, len(cols)*addChunk)
		}
		text := block[:len(cols):len(cols)]
		block = block[len(cols):]
		id := adds.id(a)
		for i, col := range cols {
			vals[i] = edit.Value(col, adds.cell(a, id, at[i]))
		}
		if err := reg.Insert(vals...); err != nil {
			return fmt.Errorf("transform: class-to-registry: adding Registry row %s: %w", id, err)
		}
		// The text is read back from the row Insert appended, whose
		// strings are the bytes the database stores (msi's added
		// strings are never moved or changed): the plan's key, value
		// and identifier strings (56 of the 218 MB live at the end of
		// the pass on a ProgId chain of 180,000 rows) are then garbage
		// once their chunk is applied, not held by the report beside
		// the database's copy.
		row := reg.Row(reg.Len() - 1)
		for i := range cols {
			if v := row.At(i); v.Equal(vals[i]) {
				text[i] = v.String()
			} else {
				text[i] = vals[i].String() // not that row: its own text
			}
		}
		// The key is the row's own cell when it holds the ID (the
		// standard schema): not a slice of its own for each row.
		k := []string{id}
		if key >= 0 && text[key] == id {
			k = text[key : key+1 : key+1]
		}
		rep.Change(edit.Change{Op: edit.Add, Table: tblRegistry, Key: k, New: text, Reason: adds.text(a.reason)})
		return nil
	})
}

// moduleSequenceColumns is the standard schema of a merge module's
// ModuleInstallExecuteSequence table; installSequenceColumns that of
// InstallExecuteSequence, which a module with a Module*Sequence table must
// also carry (empty) for the merge tool.
var (
	moduleSequenceColumns  = []edit.ColumnDef{{Name: "Action", Type: "s72", Key: true}, {Name: "Sequence", Type: "I2"}, {Name: "BaseAction", Type: "S72"}, {Name: "After", Type: "I2"}, {Name: "Condition", Type: "S255"}}
	installSequenceColumns = []edit.ColumnDef{{Name: "Action", Type: "s72", Key: true}, {Name: "Condition", Type: "S255"}, {Name: "Sequence", Type: "I2"}}
)

// The standard _Validation rows of the two sequence tables (Column,
// Nullable, MinValue, MaxValue, KeyTable, KeyColumn, Category, Set,
// Description).
var (
	moduleSequenceValidation = [][]string{
		{"Action", "N", "", "", "", "", "Identifier", "", "Action to insert"},
		{"Sequence", "Y", "-4", "32767", "", "", "", "", "Standard Sequence number"},
		{"BaseAction", "Y", "", "", seqModule, "1", "Identifier", "", "Base action to determine insert location."},
		{"After", "Y", "0", "1", "", "", "", "", "Before (0) or After (1)"},
		{"Condition", "Y", "", "", "", "", "Condition", "", ""},
	}
	installSequenceValidation = [][]string{
		{"Action", "N", "", "", "", "", "Identifier", "", "Name of action to invoke, either in the engine or the handler DLL."},
		{"Condition", "Y", "", "", "", "", "Condition", "", "Optional expression which skips the action if evaluates to expFalse.If the expression syntax is invalid, the engine will terminate, returning iesBadActionData."},
		{"Sequence", "Y", "-4", "32767", "", "", "", "", "Number that determines the sort order in which the actions are to be executed.  Leave blank to suppress action."},
	}
)

// createModuleSequence creates ModuleInstallExecuteSequence (and the
// empty InstallExecuteSequence the merge tool needs beside it) in a merge
// module that had none.
func createModuleSequence(db *msi.Database, rep *edit.Log) (*msi.Table, error) {
	if t, err := optTable(db, seqInstall); err != nil {
		return nil, err
	} else if t == nil {
		if _, err := edit.CreateTable(db, seqInstall, installSequenceColumns); err != nil {
			return nil, err
		}
		if err := describe(db, seqInstall, installSequenceValidation); err != nil {
			return nil, err
		}
		rep.Note(edit.Info, seqInstall, nil, "created the (empty) InstallExecuteSequence table a merge module with a ModuleInstallExecuteSequence table must carry")
	}
	t, err := edit.CreateTable(db, seqModule, moduleSequenceColumns)
	if err != nil {
		return nil, err
	}
	if err := describe(db, seqModule, moduleSequenceValidation); err != nil {
		return nil, err
	}
	rep.Note(edit.Info, seqModule, nil, "created the ModuleInstallExecuteSequence table (standard schema)")
	return t, nil
}

// componentTables returns an *msi.UnsupportedError when the plan adds a
// registry-only component (registration tied to a feature that does not
// hold its component alone) and the package has no Component or no
// FeatureComponents table to add it to (in a merge module, no
// ModuleComponents table), or one of those tables cannot take the rows
// the pass adds (checkCells): a package outside the standard schema,
// which a crafted one can be. The pass then changes nothing.
func componentTables(db *msi.Database, plan *Plan) error {
	if len(plan.Components) == 0 {
		return nil
	}
	module := plan.Components[0].Module != ""
	tables := []string{"Component", "FeatureComponents"}
	if module {
		tables[1] = "ModuleComponents"
	}
	var ts [2]*msi.Table
	for i, name := range tables {
		t, err := optTable(db, name)
		if err != nil {
			return err
		}
		if t == nil {
			nc := plan.Components[0]
			return fmt.Errorf("transform: class-to-registry: %w", &msi.UnsupportedError{Table: name,
				Msg: clip.Sprintf("no such table, and registration tied to feature %s needs a new registry-only component beside %s (not the standard schema)", nc.Feature, nc.From)})
		}
		ts[i] = t
	}
	cf, err := optTable(db, "CreateFolder")
	if err != nil {
		return err
	}
	// The columns found once, not copied for each of 40,000 new
	// components.
	compCols, listCols := ts[0].Columns(), ts[1].Columns()
	var folderCols []msi.Column
	if cf != nil {
		folderCols = cf.Columns()
	}
	for i := range plan.Components {
		nc := &plan.Components[i]
		if err := checkCells(ts[0], compCols, componentCells(nc), nc); err != nil {
			return err
		}
		if err := checkCells(ts[1], listCols, listCells(nc), nc); err != nil {
			return err
		}
		if cf != nil && nc.KeyPath == "" {
			if err := checkCells(cf, folderCols, folderCells(nc), nc); err != nil {
				return err
			}
		}
	}
	return nil
}

// componentCells, listCells and folderCells are the cells, by column, of
// the Component row of a new component, of its FeatureComponents row (in
// a merge module, its ModuleComponents row), and of its CreateFolder row.
func componentCells(nc *NewComponent) map[string]string {
	return map[string]string{"Component": nc.Component, "ComponentId": nc.ComponentID, "Directory_": nc.Directory,
		"Attributes": strconv.Itoa(int(nc.Attributes)), "Condition": nc.Condition, "KeyPath": nc.KeyPath}
}

func listCells(nc *NewComponent) map[string]string {
	if nc.Module != "" {
		return map[string]string{"Component": nc.Component, "ModuleID": nc.Module, "Language": nc.ModuleLanguage}
	}
	return map[string]string{"Feature_": nc.Feature, "Component_": nc.Component}
}

func folderCells(nc *NewComponent) map[string]string {
	return map[string]string{"Directory_": nc.Directory, "Component_": nc.Component}
}

// checkCells returns an *msi.UnsupportedError when table t, of columns
// cols, cannot take the row of cells (by column; a column not named is
// null) that the pass adds for new component nc: a column that is not
// nullable and gets no value, an integer column given text that is not a
// number or a number out of its range. Insert refused such rows with the tables partly
// changed (a merge module whose ModuleComponents Language column is
// not nullable, and whose ModuleSignature's Language is a 4-byte number
// over 32,767).
func checkCells(t *msi.Table, cols []msi.Column, cells map[string]string, nc *NewComponent) error {
	for _, col := range cols {
		s := cells[col.Name]
		v := edit.Value(col, s)
		problem := ""
		switch {
		case v.IsNull() && s != "":
			problem = clip.Sprintf("column %s (%s) cannot hold %q", col.Name, col.Type, s)
		case v.IsNull() && !col.Nullable:
			problem = clip.Sprintf("column %s is not nullable, and the pass has no value for it", col.Name)
		case col.Type == msi.ColInt16 && !v.IsNull() && (v.Int() < -32767 || v.Int() > 32767):
			problem = clip.Sprintf("column %s is a 2-byte integer column, and cannot hold %d", col.Name, v.Int())
		case col.Type == msi.ColInt32 && !v.IsNull() && v.Int() == math.MinInt32:
			problem = clip.Sprintf("column %s cannot hold %d, the null of a 4-byte integer column", col.Name, v.Int())
		}
		if problem != "" {
			return fmt.Errorf("transform: class-to-registry: %w", &msi.UnsupportedError{Table: t.Name(),
				Msg: clip.Sprintf("registration tied to feature %s needs a new registry-only component %s beside %s, and the table cannot take its row: %s (not the standard schema)", nc.Feature, nc.Component, nc.From, problem)})
		}
	}
	return nil
}

// applyComponents adds the plan's registry-only components and
// their FeatureComponents rows (recorded in shared), or in a merge
// module their ModuleComponents rows.
func applyComponents(db *msi.Database, plan *Plan, rep *edit.Log, shared *edit.Shared) error {
	if len(plan.Components) == 0 {
		return nil
	}
	comp, err := optTable(db, "Component")
	if err != nil {
		return err
	}
	// A merge module lists its components in ModuleComponents; the merge
	// tool gives them the features the module is merged into.
	module := plan.Components[0].Module != ""
	fcName := "FeatureComponents"
	if module {
		fcName = "ModuleComponents"
	}
	fc, err := optTable(db, fcName)
	if err != nil {
		return err
	}
	if comp == nil || fc == nil {
		return componentTables(db, plan) // checked by Run before any change
	}
	insert := func(t *msi.Table, cells map[string]string, reason string) error {
		cols := t.Columns()
		vals := make([]msi.Value, len(cols))
		text := make([]string, len(cols))
		for i, col := range cols {
			vals[i] = edit.Value(col, cells[col.Name])
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
		rep.Change(edit.Change{Op: edit.Add, Table: t.Name(), Key: key, New: text, Reason: reason})
		return nil
	}
	for i := range plan.Components {
		nc := &plan.Components[i]
		why := "registry-only component: " + nc.Reason
		if err := insert(comp, componentCells(nc), why); err != nil {
			return err
		}
		if err := insert(fc, listCells(nc), why); err != nil {
			return err
		}
		if !module {
			shared.Appended(fc)
		}
		if nc.KeyPath != "" {
			continue
		}
		// Its rows only create keys, so its folder is its key path: the
		// folder must be in CreateFolder (ICE18), or an install that does
		// not otherwise create it leaves the component looking absent,
		// and every health check of its feature starts a repair.
		cf, err := createFolderTable(db, rep)
		if err != nil {
			return err
		}
		if _, exists := cf.Lookup(msi.StrValue(nc.Directory), msi.StrValue(nc.Component)); !exists {
			if err := insert(cf, folderCells(nc),
				"the folder is the key path of registry-only component "+nc.Component+" (its rows only create keys), so it is created with it"); err != nil {
				return err
			}
		}
	}
	return nil
}

// createFolderColumns is the standard schema of the CreateFolder table.
var createFolderColumns = []edit.ColumnDef{{Name: "Directory_", Type: "s72", Key: true}, {Name: "Component_", Type: "s72", Key: true}}

// createFolderValidation are the standard _Validation rows of the
// CreateFolder table (Column, Nullable, MinValue, MaxValue, KeyTable,
// KeyColumn, Category, Set, Description).
var createFolderValidation = [][]string{
	{"Directory_", "N", "", "", "Directory", "1", "Identifier", "", "Primary key, could be foreign key into the Directory table."},
	{"Component_", "N", "", "", "Component", "1", "Identifier", "", "Foreign key into the Component table."},
}

// createFolderTable returns the CreateFolder table, creating it (with
// its _Validation rows, and the CreateFolders and RemoveFolders actions
// when InstallExecuteSequence lacks them) when the package has none.
func createFolderTable(db *msi.Database, rep *edit.Log) (*msi.Table, error) {
	if t, err := optTable(db, "CreateFolder"); err != nil || t != nil {
		return t, err
	}
	t, err := edit.CreateTable(db, "CreateFolder", createFolderColumns)
	if err != nil {
		return nil, fmt.Errorf("transform: class-to-registry: creating the CreateFolder table: %w", err)
	}
	if err := describe(db, "CreateFolder", createFolderValidation); err != nil {
		return nil, err
	}
	rep.Note(edit.Info, "CreateFolder", nil, "created the CreateFolder table (standard schema)")
	seq, err := optTable(db, seqInstall)
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
		if err := addAction(seq, seqInstall, a.action, a.seq, "the CreateFolder rows need it", rep); err != nil {
			return nil, err
		}
	}
	return t, nil
}
