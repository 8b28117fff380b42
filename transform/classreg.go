package transform

import (
	"context"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform/internal/classreg"
	"github.com/msikit/msikit/transform/internal/edit"
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
	// install time and the icon is unexpressible. A per-machine package
	// installed per user all the same (ALLUSERS="" on the command line)
	// gets its icons cached in the user's
	// AppData\Roaming\Microsoft\Installer\<ProductCode> instead, where
	// msiexec's own DefaultIcon values then point (seen under Wine), so
	// that the rows name missing files: NoIconCache suits packages meant
	// to be installed that way.
	NoIconCache bool

	// MaxChanges bounds the row changes the pass may make (rows added and
	// removed), and the text of the rows it adds to MaxChanges × 256
	// bytes (a long text the rows share counted once), at most 25.6 MB
	// (DefaultMaxChanges × 256) however large MaxChanges is: that text
	// is held several times over. 0 means DefaultMaxChanges. Past
	// either bound ClassToRegistry changes nothing and returns an error
	// wrapping ErrTooManyChanges.
	MaxChanges int

	// Context, if not nil, stops the pass once it is done, while it
	// reads the tables and plans (every 1,024 rows or steps): it then
	// returns an error matching ctx.Err() and context.Cause(ctx), and
	// leaves the database unchanged. Once planned, the changes (at
	// most MaxChanges) are made whole, without looking at Context, so
	// that a stopped pass never leaves a half-rewritten database. nil
	// means context.Background: the pass runs to its end.
	Context context.Context

	// Shared, if not nil, carries the FeatureComponents pairs the pass
	// reads to the passes run after it on the same database (or those
	// an earlier one read to this pass), and the row it adds there.
	Shared *Shared
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
// other features too (or not in that one), or is never uninstalled
// (permanent, or unmanaged: a null ComponentId), so that its own rows
// would never go, the Registry rows go in a
// new registry-only component held only by that feature: key "reg_" +
// component + "_" + feature (shortened with a hash to fit the Component
// key column), key path its first Registry value, the original
// component's directory, condition, 64-bit and transitive bits, and a
// ComponentId derived from the ProductCode, the original ComponentId and
// the feature (a component whose rows only create keys has its folder as
// key path, which then gets a CreateFolder row, as ICE18 requires, so
// that the component is never seen as absent). Generated
// Registry keys are "reg" followed by 32 hex digits of a hash of the row's
// root, key, name and component (one of 1 KiB or more hashed through its
// own digest), so they are the same on every run ("_2",
// "_3"… is appended in the unlikely case the package already uses one). The
// Registry table is created when absent, and WriteRegistryValues and
// RemoveRegistryValues are added to InstallExecuteSequence when missing (in
// a merge module, to ModuleInstallExecuteSequence, as standard actions:
// the recommended sequence numbers 5000 and 2600 with BaseAction and After
// null). A merge module's Registry rows stay in the component the
// registration names (the merge tool puts every module component in the
// features it merges into) unless it is permanent or unmanaged: then they
// go in a new registry-only component of the module, "reg_" + the
// component (ending, as the component does, with the module's GUID; a
// name too long for that is "reg_", its start, 8 hex digits and the GUID),
// listed in ModuleComponents with the ModuleSignature row's ModuleID and
// Language (in a module without that row, or whose row has a null
// ModuleID or Language or a Language that is not a number, they stay,
// with a warning). A registry-only component takes no name that rows of
// other tables give a component the Component table lacks (they would be
// installed with it).
// RegisterClassInfo and the other Register*/Unregister* actions are kept:
// they do nothing on empty tables and still serve any registration left
// advertised.
//
// A MIME type is registered while its extension or its class is (as
// RegisterMIMEInfo documents): its rows go in the extension's component
// and in the class's. So is a ProgId reached by a class and named by
// extensions with verbs (RegisterProgIdInfo): its rows go in the class's
// component and in each such extension's. msiexec's unregistration deletes a class's
// (CLSID\{clsid}, FileType\{clsid}), ProgId's or extension's key with all
// its subkeys; a key the package's own Registry row "+" creates inside
// one (created on install, never removed by itself) gets a "-" row in
// each component holding that registration's rows, so that it still goes
// when the registration does. An AppId used by classes of several
// components gets, in each, the Description of the last class using it
// (what msiexec leaves when all are installed); when those differ, the
// report says which description msiexec leaves while only one component
// is installed.
//
// Registration that cannot be written faithfully (an icon whose cache
// folder depends on the install context, a ProgId_Parent cycle, two
// components serving the same CLSID and context, a verb whose component has
// no key file) keeps its advertised form with its whole group, or is
// dropped with DropUnexpressible. Rows msiexec never registers (a class whose
// component or feature is missing or has no key file, a ProgId no class or
// extension reaches, ...) and TypeLib rows are left alone. Every such row
// gets a Note; nothing is dropped silently. Running the pass again on its
// output changes nothing. A package that needs a registry-only component
// and has no Component or FeatureComponents table (ModuleComponents in a
// merge module; not the standard schema), or one that cannot take the
// new rows (a column that is not nullable and gets no value, an integer
// column for a name, a language out of the column's range), is refused
// with an *msi.UnsupportedError naming the table, before anything
// changes.
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
// the two disagree gets a warning. A patch or transform is refused with
// an error wrapping ErrNotInstaller.
func ClassToRegistry(db *msi.Database, opts ClassToRegistryOptions) (*Report, error) {
	// The changes and notes go straight into the report, not into the
	// log first.
	sink := &reportSink{}
	log, err := classreg.Run(db, classreg.Options{
		DropUnexpressible: opts.DropUnexpressible,
		NoIconCache:       opts.NoIconCache,
		MaxChanges:        opts.MaxChanges,
		Stop:              edit.NewStop(opts.Context, "class-to-registry"),
		Shared:            opts.Shared.shared(),
		Sink:              sink,
		NoteSink:          sink,
	})
	return sink.report("class-to-registry", log), err
}
