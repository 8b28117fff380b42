// Package assembly reads assembly identities for MsiAssemblyName rows:
// .NET assemblies from their PE/CLI headers and metadata, Win32
// side-by-side assemblies from their manifest XML.
//
// # .NET assemblies
//
// ReadDotNet walks the PE headers (DOS header, COFF header, optional
// header, section table), the CLI header (data directory 14, ECMA-335
// II.25.3.3), the metadata root ("BSJB", II.24.2.1) and its streams #~ (or
// #-), #Strings and #Blob. It computes the row size of every table before
// Assembly (0x20) from the heap-size flags and the coded-index widths of
// II.24.2.6, skips those tables and decodes the single Assembly row (II.22.2):
//
//   - Name and Culture from #Strings (an empty culture is "neutral");
//   - Version as major.minor.build.revision;
//   - PublicKeyToken: the last 8 bytes of SHA-1(PublicKey blob) in
//     reverse order, upper-case hex (as WiX v3 writes it; fusion reports
//     lower case, and Windows compares tokens case-insensitively). The
//     ECMA standard key 00000000000000000400000000000000 gets
//     B77A5C561934E089 by the same rule; it is special only when the runtime
//     verifies signatures, not for naming. Unsigned assemblies have no token.
//   - FileVersion from VS_FIXEDFILEINFO (dwFileVersionMS/LS) of the first
//     RT_VERSION resource: the version Windows shows and WiX stores in
//     File.Version and, with light -fv, in a fileVersion row.
//
// # processorArchitecture
//
// Inputs: the COFF machine, the optional header magic (PE32 or PE32+), the
// CLI flags ILONLY (0x1), 32BITREQUIRED (0x2), 32BITPREFERRED (0x20000) and
// the Assembly row's afPA bits (Flags & 0xF0). "req32" below means
// 32BITREQUIRED set and 32BITPREFERRED clear: the runtime's CorPEKind
// pe32BitRequired; with both set the kind is pe32BitPreferred, an AnyCPU
// image that merely prefers a 32-bit process.
//
//	Flags&0xF0 == 0x70 (afPA_NoPlatform)  → none (no attribute)     [A][B]
//	PE32+, 32BITREQUIRED set              → rejected (bad format)    [A]
//	PE32+, AMD64  (0x8664)                → AMD64                    [A][B]
//	PE32+, IA64   (0x0200)                → IA64                     [A][B]
//	PE32+, ARM64  (0xAA64)                → ARM64                    [C]
//	PE32+, other machine                  → rejected                 [A]
//	PE32,  I386, ILONLY, not req32        → MSIL (incl. 32BITPREFERRED) [A][B]
//	PE32,  I386, req32                    → x86                      [A][B]
//	PE32,  I386, not ILONLY (mixed mode)  → x86                      [A][B]
//	PE32,  ARMNT (0x01C4)                 → ARM                      [A]
//	PE32,  other machine                  → rejected                 [A]
//
// Sources (facts, no code): [A] the CLR's fusion TranslatePEToArchitectureType
// (coreclr utilcode PEInformation.cpp), which the GAC installation behind
// MsiAssembly uses; [B] the reflection rule AssemblyName.CalculateProcArchIndex
// (.NET Framework and .NET), which agrees except that it also maps a PE32+
// I386 IL-only image to MSIL and ignores 32BITREQUIRED on PE32+ (we follow
// fusion); [C] no fusion source we found names ARM64: the value follows
// the PEKIND naming by analogy with AMD64 and IA64 (.NET Framework 4.8.1
// runs natively on Arm64). WiX v3 takes the value from fusion's
// GetAssemblyIdentityFromFile, so it matches [A]; WiX v4's own reader
// writes "x64" for any PE32+ image and nothing for AnyCPU, which Windows
// Installer's fusion does not produce, so we do not follow it.
//
// # Win32 assemblies
//
// ReadManifest takes the attributes type, name, version,
// processorArchitecture, publicKeyToken and language of the first
// assemblyIdentity child of the root assembly element, as written.
//
// # Hostile input
//
// Every offset, size and count read from a file is checked against the
// file size and the enclosing structure before use; single reads are
// capped (64 MiB), section and resource-entry counts are capped, and the
// parser never follows a chain, so it cannot loop. Malformed input yields
// an error matching ErrFormat (a *FormatError naming the structure and
// offset), files without an identity an error matching ErrNoManifest.
// A manifest is at most MaxManifest bytes and at most 100,000 XML tokens
// before its identity; ParseManifest also stops past a number of bytes of
// XML (*LimitError), so that a caller reading many manifests bounds the
// XML they make it parse together (Go's decoder reads 20-120 MB/s).
package assembly
