package classreg

import (
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/transform/internal/edit"
)

// Plain row structs for the ClassToRegistry mapping. The mapping works on
// these only, so it can be tested without a database; classreg.go fills them
// from an *msi.Database. A string column's null is "" (Windows Installer
// stores no empty strings); nullable integers use OptInt.

// OptInt is a nullable integer cell.
type OptInt struct {
	V     int32
	Valid bool
}

func optInt(v int32) OptInt { return OptInt{V: v, Valid: true} }

// RowRef identifies a source row for the report: its primary key, each
// column as IDT text. The whole row of a removed row is read from the
// table when it is removed: a row of the Input costs its key only.
type RowRef struct {
	Key []string
}

// ClassRow is a row of the Class table.
type ClassRow struct {
	CLSID, Context, Component  string
	ProgIDDefault, Description string
	AppID, FileTypeMask, Icon  string
	IconIndex                  OptInt
	DefInprocHandler, Argument string
	Feature                    string
	Attributes                 OptInt
	ref                        RowRef
}

// ProgIDRow is a row of the ProgId table.
type ProgIDRow struct {
	ProgID, Parent, Class, Description, Icon string
	IconIndex                                OptInt
	ref                                      RowRef
}

// AppIDRow is a row of the AppId table.
type AppIDRow struct {
	AppID, RemoteServerName, LocalService, ServiceParameters, DllSurrogate string
	ActivateAtStorage, RunAsInteractiveUser                                OptInt
	ref                                                                    RowRef
}

// ExtensionRow is a row of the Extension table.
type ExtensionRow struct {
	Extension, Component, ProgID, MIME, Feature string
	ref                                         RowRef
}

// VerbRow is a row of the Verb table.
type VerbRow struct {
	Extension, Verb   string
	Sequence          OptInt
	Command, Argument string
	ref               RowRef
}

// MIMERow is a row of the MIME table.
type MIMERow struct {
	ContentType, Extension, CLSID string
	ref                           RowRef
}

// TypeLibRow is a row of the TypeLib table.
type TypeLibRow struct {
	LibID, Component string
	ref              RowRef
}

// ComponentRow is a row of the Component table.
type ComponentRow struct {
	Component   string
	ComponentID string
	Directory   string
	Attributes  int32
	Condition   string
	KeyPath     string
}

// FileRow is a row of the File table.
type FileRow struct {
	File, Component, FileName string
}

// FeatureComponent is a row of the FeatureComponents table.
type FeatureComponent struct {
	Feature, Component string
}

// RegistryRow is a row of the Registry table. Name "" is the key's default
// value; Value "" is null.
type RegistryRow struct {
	ID        string
	Root      int16
	Key, Name string
	Value     string
	Component string
}

// SequenceRow is a row of one of the sequence tables.
type SequenceRow struct {
	Table, Action, Condition string
	Sequence                 OptInt
}

// Input is everything the mapping reads.
type Input struct {
	ProductCode string
	// Platform is the summary information Template's platform ("Intel",
	// "x64", "Arm64", ...); AllUsers the ALLUSERS property ("" if absent).
	Platform, AllUsers string

	Classes    []ClassRow
	ProgIDs    []ProgIDRow
	AppIDs     []AppIDRow
	Extensions []ExtensionRow
	Verbs      []VerbRow
	MIMEs      []MIMERow
	TypeLibs   []TypeLibRow

	Components        []ComponentRow
	Files             []FileRow
	Features          []string
	FeatureAttributes textmemo.Index[int32] // Feature.Attributes by feature (a long name hashed once)
	FeatureComponents []FeatureComponent
	// featureComponents holds the FeatureComponents pairs (feature,
	// component) when readInput filled it instead of FeatureComponents:
	// 8 bytes a pair, not two strings, and the pairs leaf-features reads
	// too (edit.Shared).
	featureComponents *edit.Pairs
	Icons             []string
	Registry          []RegistryRow
	Sequences         []SequenceRow
	// HasRegistryTable says whether the Registry table exists.
	HasRegistryTable bool
	// MergeModule is set for merge modules, whose actions come from the
	// sequences of the package they are merged into.
	MergeModule bool
	// ModuleID and ModuleLanguage are the first ModuleSignature row (""
	// when none): a component the pass adds to a merge module is listed
	// in ModuleComponents with them. An installer built from modules
	// keeps their rows, which the pass does not use.
	ModuleID, ModuleLanguage string
	// ModuleProblem says why the first ModuleSignature row cannot list a
	// component in ModuleComponents ("" when it can, or there is none):
	// its ModuleID or Language is null, or its Language is not a number.
	ModuleProblem string
	// ComponentRefs are the component names that rows of other tables
	// give (componentRefColumns), of those the pass could give (starting
	// with "reg_", of at most 72 bytes, or shorter than 13): a component the
	// pass adds takes none of them, since a row naming a component the
	// Component table lacks would be installed with it, and a
	// FeatureComponents or ModuleComponents row of its name would refuse
	// the one the pass adds.
	ComponentRefs map[string]bool
	// ComponentWidth and RegistryWidth are the widest generated Component
	// and Registry keys this package's columns accept (0: the standard 72).
	ComponentWidth, RegistryWidth int
}
