package darwin

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"
)

// MaxShortcutSize is the largest shell link file ReadShortcut reads. A
// link's parts are bounded by 16- and 32-bit sizes; real links are a few
// kilobytes.
const MaxShortcutSize = 1 << 20

// Shell link header and flags ([MS-SHLLINK] 2.1).
const (
	lnkHeaderSize = 0x4C

	lnkHasLinkTargetIDList = 0x00000001
	lnkHasLinkInfo         = 0x00000002
	lnkHasName             = 0x00000004
	lnkHasRelativePath     = 0x00000008
	lnkHasWorkingDir       = 0x00000010
	lnkHasArguments        = 0x00000020
	lnkHasIconLocation     = 0x00000040
	lnkIsUnicode           = 0x00000080
	// LinkHasDarwinID is the LinkFlags bit that says the link carries a
	// DarwinDataBlock: an advertised (Windows Installer) shortcut.
	LinkHasDarwinID = 0x00001000
)

// The DarwinDataBlock ([MS-SHLLINK] 2.5.3): BlockSize 0x314, signature
// 0xA0000006, a 260-byte ANSI string and a 520-byte UTF-16 string.
const (
	darwinBlockSize = 0x314
	darwinBlockSig  = 0xA0000006
	darwinAnsiLen   = 260
	darwinUTF16Len  = 520
)

// lnkCLSID is the LinkCLSID a shell link header must hold,
// {00021401-0000-0000-C000-000000000046}, in memory layout.
var lnkCLSID = [16]byte{0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}

// A Shortcut is what ReadShortcut found in a shell link (.lnk) file.
type Shortcut struct {
	// Flags are the header's LinkFlags; LinkHasDarwinID marks an
	// advertised shortcut.
	Flags uint32
	// DarwinID is the application identifier of the DarwinDataBlock (for
	// a Windows Installer shortcut, the darwin descriptor the shell hands
	// to MsiProvideComponentFromDescriptor): the block's UTF-16 string,
	// or its ANSI string when that is empty. It is "" when the link has no
	// DarwinDataBlock.
	DarwinID string
	// The link's StringData ([MS-SHLLINK] 2.4), each "" when absent (a
	// terminating NUL, which Wine's shell32 counts and writes, is
	// dropped). Arguments holds an advertised shortcut's command line arguments
	// (the Shortcut table's Arguments column).
	Name, RelativePath, WorkingDir, Arguments, IconLocation string
}

// ReadShortcut reads a shell link file from r (at most MaxShortcutSize
// bytes) and returns its darwin identifier and strings. A link that is
// not well formed is a *FormatError naming the byte offset; a file larger
// than MaxShortcutSize is refused before it is parsed.
func ReadShortcut(r io.Reader) (*Shortcut, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxShortcutSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxShortcutSize {
		return nil, &FormatError{Offset: MaxShortcutSize, Msg: fmt.Sprintf("shell link larger than %d bytes", MaxShortcutSize)}
	}
	return ParseShortcut(b)
}

// ParseShortcut parses a shell link file held in b, as ReadShortcut does.
func ParseShortcut(b []byte) (*Shortcut, error) {
	p := &lnkParser{b: b}
	s := &Shortcut{}
	if len(b) < lnkHeaderSize {
		return nil, p.errf(0, "%d bytes, shorter than a shell link header (%d)", len(b), lnkHeaderSize)
	}
	if n := binary.LittleEndian.Uint32(b); n != lnkHeaderSize {
		return nil, p.errf(0, "header size %#x, a shell link's is %#x", n, lnkHeaderSize)
	}
	if !bytes.Equal(b[4:20], lnkCLSID[:]) {
		return nil, p.errf(4, "not a shell link (LinkCLSID is not {00021401-0000-0000-C000-000000000046})")
	}
	s.Flags = binary.LittleEndian.Uint32(b[20:])
	p.off = lnkHeaderSize
	if s.Flags&lnkHasLinkTargetIDList != 0 {
		n, err := p.u16()
		if err != nil {
			return nil, err
		}
		if err := p.skip(int64(n), "LinkTargetIDList"); err != nil {
			return nil, err
		}
	}
	if s.Flags&lnkHasLinkInfo != 0 {
		at := p.off
		n, err := p.u32()
		if err != nil {
			return nil, err
		}
		if n < 4 {
			return nil, p.errf(at, "LinkInfoSize %d is smaller than its own field", n)
		}
		if err := p.skip(int64(n)-4, "LinkInfo"); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		bit uint32
		dst *string
	}{
		{lnkHasName, &s.Name}, {lnkHasRelativePath, &s.RelativePath}, {lnkHasWorkingDir, &s.WorkingDir},
		{lnkHasArguments, &s.Arguments}, {lnkHasIconLocation, &s.IconLocation},
	} {
		if s.Flags&f.bit == 0 {
			continue
		}
		str, err := p.countedString(s.Flags&lnkIsUnicode != 0)
		if err != nil {
			return nil, err
		}
		*f.dst = str
	}
	// ExtraData: blocks until a TerminalBlock (BlockSize < 4) or the end
	// of the file. Each block is at least 8 bytes, so the loop ends.
	for p.off < len(b) {
		at := p.off
		if len(b)-at < 4 {
			return nil, p.errf(at, "%d stray bytes after the last extra data block", len(b)-at)
		}
		size := binary.LittleEndian.Uint32(b[at:])
		if size < 4 {
			break // TerminalBlock
		}
		if size < 8 {
			return nil, p.errf(at, "extra data block of %d bytes, too small for its signature", size)
		}
		if int64(size) > int64(len(b)-at) {
			return nil, p.errf(at, "extra data block of %d bytes, only %d left in the file", size, len(b)-at)
		}
		sig := binary.LittleEndian.Uint32(b[at+4:])
		if sig == darwinBlockSig {
			if size != darwinBlockSize {
				return nil, p.errf(at, "DarwinDataBlock of %d bytes, it must have %d", size, darwinBlockSize)
			}
			if s.DarwinID != "" {
				return nil, p.errf(at, "a second DarwinDataBlock")
			}
			ansi := b[at+8 : at+8+darwinAnsiLen]
			wide := b[at+8+darwinAnsiLen : at+darwinBlockSize]
			s.DarwinID = utf16z(wide)
			if s.DarwinID == "" {
				s.DarwinID = ansiz(ansi)
			}
			if s.DarwinID == "" {
				return nil, p.errf(at, "empty DarwinDataBlock")
			}
		}
		p.off = at + int(size)
	}
	return s, nil
}

// Descriptor decodes the shortcut's darwin identifier as a descriptor.
// It is an error wrapping ErrNoDarwinID for a link without one.
func (s *Shortcut) Descriptor() (Descriptor, error) {
	if s.DarwinID == "" {
		return Descriptor{}, ErrNoDarwinID
	}
	d, _, err := Decode(s.DarwinID)
	return d, err
}

// ErrNoDarwinID is returned by Shortcut.Descriptor for a link that is not
// advertised: it has no DarwinDataBlock.
var ErrNoDarwinID = errors.New("darwin: the shortcut is not advertised (no DarwinDataBlock)")

type lnkParser struct {
	b   []byte
	off int
}

func (p *lnkParser) errf(off int, format string, args ...any) error {
	return &FormatError{Offset: int64(off), Msg: "shell link: " + fmt.Sprintf(format, args...)}
}

func (p *lnkParser) u16() (uint16, error) {
	if len(p.b)-p.off < 2 {
		return 0, p.errf(p.off, "ends inside a size field")
	}
	v := binary.LittleEndian.Uint16(p.b[p.off:])
	p.off += 2
	return v, nil
}

func (p *lnkParser) u32() (uint32, error) {
	if len(p.b)-p.off < 4 {
		return 0, p.errf(p.off, "ends inside a size field")
	}
	v := binary.LittleEndian.Uint32(p.b[p.off:])
	p.off += 4
	return v, nil
}

func (p *lnkParser) skip(n int64, what string) error {
	if n > int64(len(p.b)-p.off) {
		return p.errf(p.off, "%s of %d bytes, only %d left in the file", what, n, len(p.b)-p.off)
	}
	p.off += int(n)
	return nil
}

// countedString reads a StringData entry: a 16-bit character count, then
// that many UTF-16 code units or ANSI bytes.
func (p *lnkParser) countedString(unicode bool) (string, error) {
	at := p.off
	n, err := p.u16()
	if err != nil {
		return "", err
	}
	size := int(n)
	if unicode {
		size *= 2
	}
	if size > len(p.b)-p.off {
		return "", p.errf(at, "string of %d characters, only %d bytes left in the file", n, len(p.b)-p.off)
	}
	raw := p.b[p.off : p.off+size]
	p.off += size
	// The strings are counted, not terminated; Wine's shell32 counts
	// and writes a terminating NUL as well, which is dropped here.
	var str string
	if unicode {
		str = utf16String(raw)
	} else {
		str = ansiString(raw)
	}
	return strings.TrimSuffix(str, "\x00"), nil
}

// utf16String decodes UTF-16LE (unpaired surrogates become U+FFFD).
func utf16String(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// utf16z decodes a NUL-terminated UTF-16LE string in a fixed field.
func utf16z(b []byte) string {
	for i := 0; i+1 < len(b); i += 2 {
		if b[i] == 0 && b[i+1] == 0 {
			return utf16String(b[:i])
		}
	}
	return utf16String(b)
}

// ansiz decodes a NUL-terminated ANSI string in a fixed field.
func ansiz(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return ansiString(b)
}

// ansiString decodes text in the system's ANSI code page, taken to be
// Windows-1252 (a descriptor is ASCII in any code page).
func ansiString(b []byte) string {
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(s)
}
