package transform

// Plain row structs for the ClassToRegistry mapping. The mapping works on
// these only, so it can be tested without a database; classreg.go fills them
// from an *msi.Database. A string column's null is "" (Windows Installer
// stores no empty strings); nullable integers use crOptInt.

// crOptInt is a nullable integer cell.
type crOptInt struct {
	V     int32
	Valid bool
}

func crInt(v int32) crOptInt { return crOptInt{V: v, Valid: true} }

// crRowRef identifies a source row for the report: its primary key and the
// whole row, each column as IDT text.
type crRowRef struct {
	Key []string
	Old []string
}

type classRow struct {
	CLSID, Context, Component  string
	ProgIDDefault, Description string
	AppID, FileTypeMask, Icon  string
	IconIndex                  crOptInt
	DefInprocHandler, Argument string
	Feature                    string
	Attributes                 crOptInt
	ref                        crRowRef
}

type progIDRow struct {
	ProgID, Parent, Class, Description, Icon string
	IconIndex                                crOptInt
	ref                                      crRowRef
}

type appIDRow struct {
	AppID, RemoteServerName, LocalService, ServiceParameters, DllSurrogate string
	ActivateAtStorage, RunAsInteractiveUser                                crOptInt
	ref                                                                    crRowRef
}

type extensionRow struct {
	Extension, Component, ProgID, MIME, Feature string
	ref                                         crRowRef
}

type verbRow struct {
	Extension, Verb   string
	Sequence          crOptInt
	Command, Argument string
	ref               crRowRef
}

type mimeRow struct {
	ContentType, Extension, CLSID string
	ref                           crRowRef
}

type crTypeLibRow struct {
	LibID, Component string
	ref              crRowRef
}

type crComponentRow struct {
	Component   string
	ComponentID string
	Directory   string
	Attributes  int32
	Condition   string
	KeyPath     string
}

type crFileRow struct {
	File, Component, FileName string
}

type crFeatureComponent struct {
	Feature, Component string
}

// crRegistryRow is a row of the Registry table. Name "" is the key's default
// value; Value "" is null.
type crRegistryRow struct {
	ID        string
	Root      int16
	Key, Name string
	Value     string
	Component string
}

// idt returns the row as IDT text per column, in Registry column order.
func (r crRegistryRow) idt() []string {
	return []string{r.ID, crItoa(int(r.Root)), r.Key, r.Name, r.Value, r.Component}
}

// crSequenceRow is a row of one of the sequence tables.
type crSequenceRow struct {
	Table, Action, Condition string
	Sequence                 crOptInt
}

// classRegInput is everything the mapping reads.
type classRegInput struct {
	ProductCode string
	// Platform is the summary information Template's platform ("Intel",
	// "x64", "Arm64", ...); AllUsers the ALLUSERS property ("" if absent).
	Platform, AllUsers string

	Classes    []classRow
	ProgIDs    []progIDRow
	AppIDs     []appIDRow
	Extensions []extensionRow
	Verbs      []verbRow
	MIMEs      []mimeRow
	TypeLibs   []crTypeLibRow

	Components        []crComponentRow
	Files             []crFileRow
	Features          []string
	FeatureAttributes map[string]int32 // Feature.Attributes by feature
	FeatureComponents []crFeatureComponent
	Icons             []string
	Registry          []crRegistryRow
	Sequences         []crSequenceRow
	// HasRegistryTable says whether the Registry table exists.
	HasRegistryTable bool
	// MergeModule is set for merge modules, whose actions come from the
	// sequences of the package they are merged into.
	MergeModule bool
	// ComponentWidth and RegistryWidth are the widest generated Component
	// and Registry keys this package's columns accept (0: the standard 72).
	ComponentWidth, RegistryWidth int
}
