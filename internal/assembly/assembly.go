package assembly

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Processor architectures as fusion and MsiAssemblyName spell them.
const (
	ArchMSIL  = "MSIL"
	ArchX86   = "x86"
	ArchAMD64 = "AMD64"
	ArchIA64  = "IA64"
	ArchARM   = "ARM"
	ArchARM64 = "ARM64"
)

// An Identity is the name of an assembly as MsiAssemblyName records it:
// each field is the value of the attribute of the same name, "" when the
// attribute does not apply.
type Identity struct {
	Name                  string
	Version               string
	Culture               string // .NET: "neutral" when the metadata has none
	PublicKeyToken        string // upper-case hex; "" for unsigned assemblies
	ProcessorArchitecture string // "" when the assembly declares no platform
	FileVersion           string // .NET: from VS_FIXEDFILEINFO; "" when absent
	Type                  string // Win32 only ("win32")
	Language              string // Win32 only
}

// A DotNet describes a .NET assembly: its identity and the raw facts it
// was derived from.
type DotNet struct {
	Identity
	// Machine is the COFF header's machine type; PE32Plus tells the
	// optional header's magic (0x20b).
	Machine  uint16
	PE32Plus bool
	// CorFlags are the CLI header's flags (FlagILOnly, ...).
	CorFlags uint32
	// RuntimeMajor and RuntimeMinor are the CLI header's runtime version
	// (2.0 for .NET 1.x images, 2.5 since .NET 2.0).
	RuntimeMajor, RuntimeMinor uint16
	// MetadataVersion is the metadata root's version string ("v4.0.30319").
	MetadataVersion string
	// AssemblyFlags is the Assembly row's Flags column.
	AssemblyFlags uint32
	// PublicKey is the Assembly row's PublicKey blob (nil when unsigned).
	PublicKey []byte
}

// ReadDotNet reads the identity of the .NET assembly in the PE image r of
// the given size. Malformed input yields an error matching ErrFormat; a
// native image or a module without an Assembly row yields an
// *UnsupportedError matching ErrNoManifest.
func ReadDotNet(r io.ReaderAt, size int64) (*DotNet, error) {
	im, err := parseImage(r, size)
	if err != nil {
		return nil, err
	}
	d, err := im.dotNet()
	if err != nil {
		return nil, err
	}
	if d.FileVersion, err = im.fileVersion(); err != nil {
		return nil, err
	}
	return d, nil
}

// A PE describes a PE image as ReadPE reads it: its machine, its version
// resource and, for a .NET assembly, its identity. The version resource
// and the assembly identity are read independently: one failing does not
// hide the other.
type PE struct {
	// Machine is the COFF header's machine type; PE32Plus tells the
	// optional header's magic (0x20b).
	Machine  uint16
	PE32Plus bool
	// Version is the version resource, nil when the image has none or
	// it cannot be read (VersionErr says why, matching ErrFormat).
	Version    *VersionInfo
	VersionErr error
	// DotNet is the identity of a .NET assembly (with FileVersion from
	// Version), nil for a native image or a .NET module without an
	// Assembly row, and when it cannot be read: DotNetErr then says why
	// (ErrFormat, or an *UnsupportedError for an image the runtime
	// rejects). DotNetErr is nil for images without a CLI header.
	DotNet    *DotNet
	DotNetErr error
}

// ReadPE reads the headers of the PE image r of the given size, its
// version resource and, when it has a CLI header, its .NET assembly
// identity. The error, matching ErrFormat, is for headers that cannot be
// read (not a PE image at all, or a truncated one); problems with the
// version resource or the metadata are in PE.VersionErr and PE.DotNetErr.
//
// ReadPE reads the CLI metadata and the version resource in the order
// they lie in the file, and each of them front to back in the usual
// layout, so r may be a reader that can only go forward past the first
// few kilobytes of the image (as when the image is being decompressed
// from a cabinet).
func ReadPE(r io.ReaderAt, size int64) (*PE, error) {
	im, err := parseImage(r, size)
	if err != nil {
		return nil, err
	}
	p := &PE{Machine: im.machine, PE32Plus: im.pe32Plus}
	readVersion := func() { p.Version, p.VersionErr = im.versionInfo() }
	readDotNet := func() {
		d, err := im.dotNet()
		switch {
		case errors.Is(err, ErrNoManifest):
		case err != nil:
			p.DotNetErr = err
		default:
			p.DotNet = d
		}
	}
	if cli, ver := im.cliOffset(), im.versionOffset(); ver >= 0 && (cli < 0 || ver < cli) {
		readVersion()
		readDotNet()
	} else {
		readDotNet()
		readVersion()
	}
	if p.DotNet != nil && p.Version != nil {
		p.DotNet.FileVersion = p.Version.FileVersion
	}
	return p, nil
}

// dotNet reads the assembly identity (all but FileVersion) of a parsed
// image.
func (im *image) dotNet() (*DotNet, error) {
	ch, err := im.cliHeader()
	if err != nil {
		return nil, err
	}
	if ch.metadata.size == 0 {
		return nil, formatErr("cli header", -1, "empty metadata directory")
	}
	mdBytes, mdOff, err := im.read(ch.metadata.rva, ch.metadata.size, "metadata root")
	if err != nil {
		return nil, err
	}
	md, err := parseMetadata(mdBytes, mdOff)
	if err != nil {
		return nil, err
	}
	ts, ok := md.streams["#~"]
	if !ok {
		ts, ok = md.streams["#-"]
	}
	if !ok {
		return nil, formatErr("metadata root", mdOff, "no #~ or #- stream")
	}
	th, err := parseTablesHeader(ts)
	if err != nil {
		return nil, err
	}
	row, err := th.assemblyRow(ts)
	if err != nil {
		return nil, err
	}
	strs, blobs := md.streams["#Strings"], md.streams["#Blob"]
	d := &DotNet{
		Machine:         im.machine,
		PE32Plus:        im.pe32Plus,
		CorFlags:        ch.flags,
		RuntimeMajor:    ch.major,
		RuntimeMinor:    ch.minor,
		MetadataVersion: md.version,
		AssemblyFlags:   row.flags,
	}
	if d.Name, err = str(strs, row.name, "assembly name"); err != nil {
		return nil, err
	}
	if d.Name == "" {
		return nil, formatErr("#~ stream", ts.off, "Assembly row has an empty name")
	}
	if d.Culture, err = str(strs, row.culture, "culture"); err != nil {
		return nil, err
	}
	if d.Culture == "" {
		d.Culture = "neutral"
	}
	if d.PublicKey, err = blob(blobs, row.publicKey); err != nil {
		return nil, err
	}
	d.PublicKeyToken = PublicKeyToken(d.PublicKey)
	d.Version = fmt.Sprintf("%d.%d.%d.%d", row.major, row.minor, row.build, row.revison)
	if d.ProcessorArchitecture, err = Architecture(d.Machine, d.PE32Plus, d.CorFlags, d.AssemblyFlags); err != nil {
		return nil, err
	}
	return d, nil
}

// PublicKeyToken returns the token of a strong-name public key: the last 8
// bytes of its SHA-1 hash in reverse order, as upper-case hex. A key of 8
// bytes or fewer is taken to be a token already (as WiX does); an empty key
// gives "". The ECMA standard key (16 bytes, 00…04 00…) needs no special
// case: the rule gives its well-known token B77A5C561934E089.
func PublicKeyToken(key []byte) string {
	if len(key) == 0 {
		return ""
	}
	if len(key) <= 8 {
		return strings.ToUpper(hex.EncodeToString(key))
	}
	h := sha1.Sum(key)
	var tok [8]byte
	for i := range tok {
		tok[i] = h[len(h)-1-i]
	}
	return strings.ToUpper(hex.EncodeToString(tok[:]))
}

// Architecture returns the processorArchitecture of an assembly from its
// PE machine type, PE32/PE32+ magic, CLI header flags and Assembly row
// flags, following the rule table in the package documentation. It
// returns "" for reference assemblies marked "no platform" and an
// *UnsupportedError for combinations the runtime rejects.
func Architecture(machine uint16, pe32Plus bool, corFlags, assemblyFlags uint32) (string, error) {
	if assemblyFlags&0xf0 == 0x70 { // afPA_NoPlatform
		return "", nil
	}
	ilOnly := corFlags&FlagILOnly != 0
	// The runtime's "32-bit required" PE kind: 32BITREQUIRED without
	// 32BITPREFERRED (both set = AnyCPU, 32-bit preferred).
	req32 := corFlags&Flag32BitRequired != 0 && corFlags&Flag32BitPreferred == 0
	if pe32Plus {
		if corFlags&Flag32BitRequired != 0 {
			return "", &UnsupportedError{Msg: fmt.Sprintf("PE32+ image (machine %#x) with 32BITREQUIRED", machine)}
		}
		switch machine {
		case MachineAMD64:
			return ArchAMD64, nil
		case MachineIA64:
			return ArchIA64, nil
		case MachineARM64:
			return ArchARM64, nil
		}
		return "", &UnsupportedError{Msg: fmt.Sprintf("PE32+ image for machine %#x", machine)}
	}
	switch machine {
	case MachineI386:
		if ilOnly && !req32 {
			return ArchMSIL, nil
		}
		return ArchX86, nil
	case MachineARMNT:
		return ArchARM, nil
	}
	return "", &UnsupportedError{Msg: fmt.Sprintf("PE32 image for machine %#x", machine)}
}
