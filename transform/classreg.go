package transform

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
}
