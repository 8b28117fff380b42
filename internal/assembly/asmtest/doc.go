// Package asmtest builds tiny PE images with CLI metadata in code, for the
// tests of the assembly reader and of the AssemblyNames pass: no
// third-party binaries are committed.
package asmtest
