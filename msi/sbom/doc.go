// Package sbom makes software bills of materials of Windows Installer
// packages: what a package installs, as Go values (Inventory) and as
// CycloneDX 1.6 or SPDX 2.3 JSON.
//
// Read builds the Inventory of an msi.Database in one pass over its
// cabinets:
//
//   - the package: name, version, manufacturer, ProductCode, UpgradeCode,
//     PackageCode, language, platform, its own hashes and its Authenticode
//     signer (verified with package msi/authenticode); for a merge module
//     its ModuleSignature, for a patch its PatchCode and target products;
//   - every file, at its install path as msikit extract lays it out
//     (package msi/install), with its size, SHA-256 and SHA-1 computed from
//     the cabinet contents, the MsiFileHash MD5 checked (a mismatch is
//     flagged), its File table version and language, and for PE images
//     the version resource (file and product version, languages,
//     CompanyName and the other strings) and the .NET assembly identity
//     from the metadata; the assembly identity the package declares
//     (MsiAssembly, MsiAssemblyName: .NET or Win32 side-by-side) on the
//     assembly's key file; the file list of a file that is itself a
//     cabinet;
//   - the merge modules merged into the package (ModuleSignature), with
//     the components they brought (ModuleComponents);
//   - the streams of the Binary, Icon and other tables that hold PE
//     images (custom action DLLs) or cabinets.
//
// WriteCycloneDX and WriteSPDX turn an Inventory into a document; they
// are thin, so a scanner can use the Inventory directly:
//
//	db, err := msi.Open("product.msi")
//	...
//	inv, err := sbom.Read(db, nil)
//	...
//	for _, f := range inv.Files {
//		fmt.Printf("%s %x %s\n", f.Path, f.SHA256, f.Version)
//	}
//	err = inv.WriteCycloneDX(os.Stdout, nil)
//
// # Streaming
//
// Read is meant to back a cataloger of a scanner that meets packages
// inside images and archives: it reads each cabinet once, front to back,
// and hashes each file while its PE headers, version resource and .NET
// metadata are parsed from the same stream (the parsers read forward,
// through a window of the file's first 64 KiB and the last 64 KiB read),
// so memory does not grow with file sizes and nothing is written to disk.
// The Inventory itself is linear in the number of files. The package file
// is read once more for its own hashes and once for its signature.
//
// # Untrusted input
//
// Read inherits the bounds of msi/install (time and memory linear in the
// package, names checked before they become paths) and of the PE reader:
// every offset and size in a PE image is checked against the file, single
// structures are capped (64 MiB for .NET metadata, 1 MiB for a version
// resource, 64 strings and 64 languages kept), and a structure that
// points backwards in the file is reported (File.PEErr), not followed.
// Nested cabinets are listed, not decompressed, and at most
// MaxNestedFiles of their files are listed per package. ReadContext takes
// a context: once it is done (a scanner's deadline, a cancelled job),
// decoding stops within a cabinet block and ReadContext returns an error
// matching ctx.Err().
//
// # Determinism
//
// The same package gives the same documents: files are ordered by install
// path, modules and streams by name, and bom-refs and SPDX identifiers
// derive from File keys, module ids and stream names. The CycloneDX
// serial number and the SPDX document namespace are name-based UUIDs of
// the inventory's contents (CycloneDX asks for a new serial number per
// document; WriteOptions.SerialNumber gives one). Only
// WriteOptions.Created brings in the time of day.
package sbom
