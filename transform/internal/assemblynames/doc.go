// Package assemblynames is the assembly-names pass of package transform
// (transform.AssemblyNames documents what it does): it reads each
// MsiAssembly's files (out of the package's cabinets with msi/install, or
// through the caller's Open hook or Source folder), derives their
// identities with package assembly, and completes the MsiAssemblyName
// rows (Run), recording every change and note in an edit.Log.
package assemblynames
