package sbom

import (
	"time"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/authenticode"
	"github.com/msikit/msikit/msi/install"
)

// An Inventory is what a package installs or carries: the package itself,
// every file, the merge modules merged into it and the PE files and
// cabinets among its Binary streams. Read builds it; WriteCycloneDX and
// WriteSPDX write it as a software bill of materials.
type Inventory struct {
	Package Package
	// Files are the package's files (File table rows), and for a patch
	// the files of its cabinets, ordered by Path, then Key.
	Files []*File
	// Modules are the merge modules merged into the package
	// (ModuleSignature rows of an installer database), ordered by ID.
	Modules []*Module
	// Binaries are the streams of tables such as Binary and Icon that
	// hold a PE file or a cabinet (custom action DLLs, icon files,
	// nested cabinets), ordered by stream name.
	Binaries []*Binary
	// Report is what reading the files' contents found (see
	// install.Extract): cabinets that are missing or unreadable, files
	// whose contents were not read, files placed away from their install
	// path.
	Report *install.Report
}

// Complete reports whether the contents of every file were read, so that
// every File has its hashes.
func (inv *Inventory) Complete() bool {
	for _, f := range inv.Files {
		if !f.Read {
			return false
		}
	}
	return true
}

// A Package is the package an Inventory describes: the root of the bill
// of materials.
type Package struct {
	// Kind is the package's kind: an installer database, a merge module
	// or a patch.
	Kind msi.PackageKind
	// Name and Version are the ProductName and ProductVersion
	// properties of an installer; for a merge module, the name part of
	// its ModuleID and its ModuleSignature version; for a patch, the
	// DisplayName of MsiPatchMetadata (or the summary information's
	// subject) and no version.
	Name, Version string
	// Manufacturer is the Manufacturer property, or the summary
	// information's author for merge modules (ManufacturerName of
	// MsiPatchMetadata for patches).
	Manufacturer string
	// ProductCode and UpgradeCode are properties of an installer;
	// PackageCode is the summary information's revision number of an
	// installer or merge module.
	ProductCode, UpgradeCode, PackageCode string
	// Language is the ProductLanguage property of an installer or the
	// ModuleSignature language of a merge module.
	Language string
	// Platform and Languages are the two parts of the summary
	// information's template ("x64;1033,1031"): the processor platform
	// ("Intel", "x64", "Arm64", "Intel64", ...) and the languages.
	Platform, Languages string
	// ModuleID is a merge module's ModuleSignature ModuleID
	// ("Name.GUID").
	ModuleID string
	// PatchCode is a patch's GUID (the first of its revision number) and
	// Targets the product codes it applies to (its template).
	PatchCode string
	Targets   []string
	// Built is the summary information's last-saved time (or its
	// creation time), zero when it has neither.
	Built time.Time
	// FileName is the name of the package file (without its folder),
	// "" when Read did not get it from db.Path.
	FileName string
	// Size and the hashes are those of the package file, when Read could
	// read it (Options.Package, or the file db was opened from).
	Size         int64
	SHA256, SHA1 []byte
	// Signed reports whether the package has a digital signature.
	// Signature is what verifying it found (Signer, Hash, Timestamp...);
	// SignatureErr is why it is not valid (an *authenticode.VerifyError
	// listing the problems, or the reason it could not be checked). The
	// certificate chain is not checked unless Options.Verify asks for it.
	Signed       bool
	Signature    *authenticode.Signature
	SignatureErr error
}

// A File is one file of the package: its place in the install layout (the
// embedded install.File, as msikit extract lays it out), what the File
// table declares about it, and what its contents are.
type File struct {
	install.File
	// Version and Language are the File table's columns. When Version
	// names another File row (a companion file), Version is "" and
	// CompanionOf holds that key.
	Version, Language string
	CompanionOf       string
	// ComponentID is the ComponentId GUID of the file's component;
	// Module is the ModuleID of the merge module that brought the
	// component (ModuleComponents), or "".
	ComponentID string
	Module      string
	// Read reports whether the contents were read; SHA256 and SHA1 are
	// then their hashes. ReadErr says why they were not read (an
	// *install.FileError: a missing cabinet, data that fails to decode, a
	// refused name).
	Read         bool
	SHA256, SHA1 []byte
	ReadErr      error
	// MsiFileHash is the MD5 hash the package's MsiFileHash table
	// declares for the file (nil without a row); MD5 is the hash of the
	// contents, computed for such files only, and HashMismatch reports
	// that the two differ.
	MsiFileHash  []byte
	MD5          []byte
	HashMismatch bool
	// PE describes a file that is a PE image (an executable or DLL),
	// nil for other files; PEErr says why a file that starts like one
	// could not be read as one.
	PE    *PE
	PEErr error
	// Assembly is the assembly identity the package declares for the
	// file (MsiAssembly and MsiAssemblyName, for the key path of an
	// assembly's component), nil otherwise.
	Assembly *Assembly
	// Nested lists the files of a file that is itself a cabinet;
	// NestedErr says why its directory could not be read.
	Nested    *NestedCabinet
	NestedErr error
}

// A PE is what a PE image says about itself: its machine, its version
// resource and, for a .NET assembly, its identity.
type PE struct {
	// Machine is the COFF header's machine type (0x14c x86, 0x8664
	// x64, 0xaa64 ARM64, ...); PE32Plus reports a 64-bit image.
	Machine  uint16
	PE32Plus bool
	// Version is the version resource (nil when there is none);
	// VersionErr says why it could not be read.
	Version    *VersionInfo
	VersionErr error
	// DotNet is the identity of a .NET assembly read from its metadata,
	// nil for native images; DotNetErr says why it could not be read.
	DotNet    *DotNetIdentity
	DotNetErr error
}

// A VersionInfo is a PE image's version resource (VS_VERSIONINFO).
type VersionInfo struct {
	// FileVersion and ProductVersion are VS_FIXEDFILEINFO's, as
	// "a.b.c.d" ("" without one).
	FileVersion, ProductVersion string
	// Languages are the language ids of VarFileInfo\Translation, as WiX
	// writes them into File.Language.
	Languages []uint16
	// Strings are the first StringTable's entries (CompanyName,
	// ProductName, FileDescription, ...), in stored order.
	Strings []VersionString
}

// String returns the value of the StringFileInfo entry key
// ("CompanyName", "ProductName", ...), or "".
func (v *VersionInfo) String(key string) string {
	for _, s := range v.Strings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// A VersionString is a Key/Value entry of a version resource's
// StringFileInfo.
type VersionString struct {
	Key, Value string
}

// A DotNetIdentity is a .NET assembly's identity as its metadata gives it,
// in the form MsiAssemblyName and the GAC use.
type DotNetIdentity struct {
	Name                  string
	Version               string
	Culture               string // "neutral" when the metadata has none
	PublicKeyToken        string // upper-case hex; "" for unsigned assemblies
	ProcessorArchitecture string // MSIL, x86, AMD64, IA64, ARM, ARM64; "" for none
}

// An Assembly is an assembly identity a package declares: an MsiAssembly
// row and its MsiAssemblyName rows.
type Assembly struct {
	// Win32 reports a Win32 side-by-side assembly (MsiAssembly
	// Attributes 1); otherwise it is a .NET assembly.
	Win32 bool
	// Manifest is the File key of the assembly's manifest
	// (File_Manifest), "" when not given.
	Manifest string
	// Names are the MsiAssemblyName rows (name, version, culture,
	// publicKeyToken, processorArchitecture, type...), ordered by name.
	Names []NameValue
}

// A NameValue is one MsiAssemblyName row's Name and Value.
type NameValue struct {
	Name, Value string
}

// A NestedCabinet is the directory of a cabinet found inside a package: a
// file the package installs or a stream of one of its tables.
type NestedCabinet struct {
	Files []CabinetFile
	// Truncated reports that the cabinet lists more files than Files
	// holds (see MaxNestedFiles).
	Truncated bool
}

// A CabinetFile is a file a nested cabinet lists.
type CabinetFile struct {
	Name string
	Size int64
}

// MaxNestedFiles bounds the nested cabinet files an Inventory lists, over
// all its nested cabinets, so that a small package of cabinets within
// cabinets cannot make it grow without bound.
const MaxNestedFiles = 1 << 16

// A Module is a merge module merged into the package: a ModuleSignature
// row.
type Module struct {
	// ID is the ModuleID ("Name.GUID"); Name and GUID are its parts
	// (GUID with its underscores turned back into hyphens, in braces),
	// GUID "" when ID does not end in one.
	ID, Name, GUID    string
	Version, Language string
	// Components are the components the module brought
	// (ModuleComponents), sorted.
	Components []string
}

// A Binary is a stream of one of the package's tables (Binary, Icon, or
// any table with a binary column) that holds a PE image or a cabinet:
// custom action DLLs and executables, icon files, nested cabinets. Other
// streams (bitmaps, scripts) are not listed.
type Binary struct {
	// Table is the table owning the stream and Name the stream's name
	// ("Binary.CustomActionDll").
	Table, Name string
	Size        int64
	// SHA256 and SHA1 are the stream's hashes; ReadErr says why it could
	// not be read.
	SHA256, SHA1 []byte
	ReadErr      error
	PE           *PE
	PEErr        error
	Nested       *NestedCabinet
	NestedErr    error
}
