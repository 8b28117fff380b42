package darwin

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/winemsi"
)

// linkSpec describes a shell link built field by field from
// [MS-SHLLINK]: the header (2.1), LinkTargetIDList (2.2), LinkInfo (2.3),
// StringData (2.4) and ExtraData (2.5).
type linkSpec struct {
	idList   []byte // ItemIDs (without the IDListSize field); nil: no LinkTargetIDList
	linkInfo []byte // the LinkInfo after its LinkInfoSize field; nil: none
	ansi     bool   // StringData in the ANSI code page (IsUnicode clear)
	strs     [5]*string
	blocks   [][]byte // whole extra data blocks
	darwin   string   // a DarwinDataBlock with this identifier, unless ""
	after    [][]byte // blocks after the DarwinDataBlock
	noTerm   bool     // leave out the TerminalBlock
	extra    uint32   // more LinkFlags bits
}

func (l linkSpec) build() []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	flags := l.extra
	if l.idList != nil {
		flags |= lnkHasLinkTargetIDList
	}
	if l.linkInfo != nil {
		flags |= lnkHasLinkInfo
	}
	bits := []uint32{lnkHasName, lnkHasRelativePath, lnkHasWorkingDir, lnkHasArguments, lnkHasIconLocation}
	for i, s := range l.strs {
		if s != nil {
			flags |= bits[i]
		}
	}
	if !l.ansi {
		flags |= lnkIsUnicode
	}
	if l.darwin != "" {
		flags |= LinkHasDarwinID
	}
	hdr := make([]byte, lnkHeaderSize)
	le.PutUint32(hdr, lnkHeaderSize)
	copy(hdr[4:], lnkCLSID[:])
	le.PutUint32(hdr[20:], flags)
	le.PutUint32(hdr[60:], 1) // SW_SHOWNORMAL
	b.Write(hdr)
	if l.idList != nil {
		binary.Write(&b, le, uint16(len(l.idList)))
		b.Write(l.idList)
	}
	if l.linkInfo != nil {
		binary.Write(&b, le, uint32(4+len(l.linkInfo)))
		b.Write(l.linkInfo)
	}
	for _, s := range l.strs {
		if s == nil {
			continue
		}
		if l.ansi {
			binary.Write(&b, le, uint16(len(*s)))
			b.WriteString(*s)
			continue
		}
		u := utf16.Encode([]rune(*s))
		binary.Write(&b, le, uint16(len(u)))
		binary.Write(&b, le, u)
	}
	for _, blk := range l.blocks {
		b.Write(blk)
	}
	if l.darwin != "" {
		b.Write(darwinBlock(l.darwin, l.darwin))
	}
	for _, blk := range l.after {
		b.Write(blk)
	}
	if !l.noTerm {
		b.Write([]byte{0, 0, 0, 0})
	}
	return b.Bytes()
}

// darwinBlock builds a DarwinDataBlock with the given ANSI and UTF-16
// identifiers.
func darwinBlock(ansi, wide string) []byte {
	blk := make([]byte, darwinBlockSize)
	le := binary.LittleEndian
	le.PutUint32(blk, darwinBlockSize)
	le.PutUint32(blk[4:], darwinBlockSig)
	copy(blk[8:8+darwinAnsiLen-1], ansi)
	for i, u := range utf16.Encode([]rune(wide)) {
		if 2*i+2 >= darwinUTF16Len {
			break
		}
		le.PutUint16(blk[8+darwinAnsiLen+2*i:], u)
	}
	return blk
}

// envBlock builds an EnvironmentVariableDataBlock (2.5.4), signature
// 0xA0000001, of the same size as a DarwinDataBlock.
func envBlock(target string) []byte {
	blk := darwinBlock(target, target)
	binary.LittleEndian.PutUint32(blk[4:], 0xA0000001)
	return blk
}

func str(s string) *string { return &s }

func TestParseShortcut(t *testing.T) {
	args := `/open "%1"`
	tests := []struct {
		name string
		spec linkSpec
		want Shortcut
	}{
		{
			name: "advertised, Unicode",
			spec: linkSpec{idList: []byte{0, 0}, strs: [5]*string{str("My App"), nil, str(`C:\App`), &args, str(`C:\App\app.ico`)}, darwin: wineTest},
			want: Shortcut{Name: "My App", WorkingDir: `C:\App`, Arguments: args, IconLocation: `C:\App\app.ico`, DarwinID: wineTest},
		},
		{
			name: "advertised, ANSI strings, LinkInfo and other blocks first",
			spec: linkSpec{linkInfo: make([]byte, 24), ansi: true, strs: [5]*string{nil, str(`..\app.exe`), nil, &args, nil},
				blocks: [][]byte{envBlock(`%ProgramFiles%\App\app.exe`)}, darwin: officeWord},
			want: Shortcut{RelativePath: `..\app.exe`, Arguments: args, DarwinID: officeWord},
		},
		{
			name: "plain link",
			spec: linkSpec{idList: []byte{0, 0}, strs: [5]*string{nil, str(`app.exe`), nil, nil, nil}},
			want: Shortcut{RelativePath: "app.exe"},
		},
		{
			name: "no terminal block",
			spec: linkSpec{darwin: wineTest, noTerm: true},
			want: Shortcut{DarwinID: wineTest},
		},
		{
			name: "empty strings",
			spec: linkSpec{strs: [5]*string{str(""), str(""), str(""), str(""), str("")}},
			want: Shortcut{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.spec.build()
			got, err := ReadShortcut(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Flags = binary.LittleEndian.Uint32(b[20:])
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			d, err := got.Descriptor()
			if tt.want.DarwinID == "" {
				if !errors.Is(err, ErrNoDarwinID) {
					t.Errorf("Descriptor of a plain link = %+v, %v", d, err)
				}
				return
			}
			want, _, _ := Decode(tt.want.DarwinID)
			if err != nil || d != want {
				t.Errorf("Descriptor = %+v, %v; want %+v", d, err, want)
			}
		})
	}
}

func TestParseShortcutANSIFallback(t *testing.T) {
	b := linkSpec{}.build()
	b = b[:len(b)-4]
	b = append(b, darwinBlock(wineTest, "")...)
	s, err := ParseShortcut(b)
	if err != nil || s.DarwinID != wineTest {
		t.Fatalf("ParseShortcut = %+v, %v; want the ANSI identifier", s, err)
	}
}

// TestParseShortcutErrors damages a valid link in each way the format
// can be wrong, and truncates it at every length.
func TestParseShortcutErrors(t *testing.T) {
	good := linkSpec{idList: []byte{2, 0, 0, 0}, linkInfo: make([]byte, 24), strs: [5]*string{str("n"), nil, nil, str("a"), nil}, darwin: wineTest}.build()
	le := binary.LittleEndian
	set32 := func(off int, v uint32) []byte {
		b := bytes.Clone(good)
		le.PutUint32(b[off:], v)
		return b
	}
	// Offsets in good: header 76, IDListSize 2 + 4, LinkInfoSize 4 + 24,
	// strings 2+2 and 2+2, then the DarwinDataBlock at 118.
	const darwinAt = lnkHeaderSize + 2 + 4 + 4 + 24 + 4 + 4
	if le.Uint32(good[darwinAt+4:]) != darwinBlockSig {
		t.Fatalf("test layout: no DarwinDataBlock at %d", darwinAt)
	}
	cases := map[string]struct {
		b   []byte
		off int64
	}{
		"header size":         {set32(0, 0x4D), 0},
		"CLSID":               {set32(4, 0x00021402), 4},
		"IDList past the end": {func() []byte { b := bytes.Clone(good); le.PutUint16(b[76:], 0xFFFF); return b }(), 78},
		"LinkInfo size 2":     {set32(82, 2), 82},
		"LinkInfo past end":   {set32(82, 1<<31), 86},
		"string past the end": {func() []byte { b := bytes.Clone(good); le.PutUint16(b[110:], 0xFFFF); return b }(), 110},
		"darwin block size":   {set32(darwinAt, 0x310), darwinAt},
		"block past the end":  {set32(darwinAt, 1<<20), darwinAt},
		"block of 5 bytes":    {set32(darwinAt, 5), darwinAt},
		"second darwin block": {append(bytes.Clone(good[:len(good)-4]), darwinBlock(wineTest, wineTest)...), darwinAt + darwinBlockSize},
		"stray bytes":         {append(bytes.Clone(good[:len(good)-4]), 1, 2), darwinAt + darwinBlockSize},
		"empty darwin block":  {append(bytes.Clone(good[:darwinAt]), darwinBlock("", "")...), darwinAt},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := ParseShortcut(c.b)
			var fe *FormatError
			if !errors.Is(err, ErrFormat) || !errors.As(err, &fe) {
				t.Fatalf("ParseShortcut = %+v, %v; want a *FormatError", s, err)
			}
			if fe.Offset != c.off {
				t.Errorf("error %v at offset %d, want %d", err, fe.Offset, c.off)
			}
		})
	}
	for n := 0; n < len(good)-4; n++ {
		if s, err := ParseShortcut(good[:n]); err == nil && n < darwinAt {
			t.Errorf("ParseShortcut of the first %d bytes = %+v, want an error", n, s)
		} else if err != nil && !errors.Is(err, ErrFormat) {
			t.Errorf("ParseShortcut of the first %d bytes: %v does not match ErrFormat", n, err)
		}
	}
}

func TestReadShortcutLimits(t *testing.T) {
	// A file of MaxShortcutSize+1 bytes is refused before parsing.
	big := io.MultiReader(bytes.NewReader(linkSpec{noTerm: true}.build()), bytes.NewReader(make([]byte, MaxShortcutSize)))
	if _, err := ReadShortcut(big); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("ReadShortcut of a file over the limit = %v", err)
	}
	// The worst that fits: a link whose extra data is 8-byte blocks up
	// to the limit, and one that claims the most of everything.
	var many bytes.Buffer
	many.Write(linkSpec{noTerm: true}.build())
	for many.Len()+8 <= MaxShortcutSize {
		many.Write([]byte{8, 0, 0, 0, 1, 0, 0, 0})
	}
	claims := linkSpec{idList: make([]byte, 0xFFFF), linkInfo: make([]byte, 1<<19), strs: [5]*string{
		str(strings.Repeat("x", 0xFFFF)), str(strings.Repeat("x", 0xFFFF)), str(strings.Repeat("x", 0xFFFF)), nil, nil}, darwin: wineTest}.build()
	for name, b := range map[string][]byte{"many blocks": many.Bytes(), "largest fields": claims} {
		testenv.CheckBudget(t, name, func() {
			if _, err := ReadShortcut(bytes.NewReader(b)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
	}
}

// TestShortcutWine checks the reader against Wine's shell32: links that
// shell32 writes with an EXP_DARWIN_LINK block (what msiexec asks for on
// Windows when it creates an advertised shortcut) parse to the identifier
// and arguments given, and links built here from the specification read
// back in shell32 (IShellLinkDataList::CopyDataBlock, GetFlags,
// GetArguments) as in ParseShortcut.
func TestShortcutWine(t *testing.T) {
	w := winemsi.New(t)
	dir := t.TempDir()
	type link struct{ darwin, args string }
	written := []link{
		{wineTest, `/open "%1"`},
		{officeWord, ""},
		{"']gAVn-}f(ZXfeAR6.ji<", "x"},
		{"", "plain"},
	}
	s := new(winemsi.Script)
	for i, l := range written {
		s.MakeLink(filepath.Join(dir, "wine"+string(rune('0'+i))+".lnk"), `C:\windows\notepad.exe`, l.args, l.darwin)
	}
	built := []linkSpec{
		{idList: []byte{0, 0}, strs: [5]*string{str("n"), nil, str(`C:\`), str(`/a "%1"`), nil}, darwin: wineTest},
		// Wine's shell32 takes the first extra data block of a link with
		// SLDF_HAS_DARWINID as its darwin block, wherever that is (the
		// specification lets blocks come in any order; TestParseShortcut
		// covers other orders), so the environment block comes after.
		{ansi: true, linkInfo: make([]byte, 24), strs: [5]*string{nil, nil, nil, str("ansi args"), nil}, darwin: officeWord, after: [][]byte{envBlock(`%windir%\notepad.exe`)}},
	}
	for i, l := range built {
		p := filepath.Join(dir, "spec"+string(rune('0'+i))+".lnk")
		if err := os.WriteFile(p, l.build(), 0o644); err != nil {
			t.Fatal(err)
		}
		s.ReadLink(p)
	}
	for i := range written {
		s.ReadLink(filepath.Join(dir, "wine"+string(rune('0'+i))+".lnk"))
	}
	out, err := w.Run(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Links) != len(built)+len(written) {
		t.Fatalf("shell32 read %d links, want %d", len(out.Links), len(built)+len(written))
	}
	for i, l := range built {
		got := out.Links[i]
		// GetFlags does not report the file's LinkFlags as they are
		// (IsUnicode, for one, is left out); only SLDF_HAS_DARWINID is
		// compared.
		want := winemsi.Link{Flags: got.Flags, DarwinID: l.darwin, Args: *l.strs[3]}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("spec link %d as shell32 reads it (-want +got):\n%s", i, diff)
		}
		if got.Flags&LinkHasDarwinID == 0 {
			t.Errorf("spec link %d: shell32 reports flags %#x without SLDF_HAS_DARWINID", i, got.Flags)
		}
	}
	for i, l := range written {
		b, err := os.ReadFile(filepath.Join(dir, "wine"+string(rune('0'+i))+".lnk"))
		if err != nil {
			t.Fatal(err)
		}
		sc, err := ParseShortcut(b)
		if err != nil {
			t.Fatalf("link %d written by shell32: %v", i, err)
		}
		if sc.DarwinID != l.darwin || sc.Arguments != l.args {
			t.Errorf("link %d written by shell32: DarwinID %q, Arguments %q; want %q, %q", i, sc.DarwinID, sc.Arguments, l.darwin, l.args)
		}
		if has := sc.Flags&LinkHasDarwinID != 0; has != (l.darwin != "") {
			t.Errorf("link %d written by shell32: flags %#x", i, sc.Flags)
		}
		back := out.Links[len(built)+i]
		wantID := l.darwin
		if wantID == "" {
			wantID = winemsi.Null
		}
		if back.DarwinID != wantID || back.Args != l.args || back.Flags&LinkHasDarwinID != sc.Flags&LinkHasDarwinID {
			t.Errorf("link %d: shell32 reads %+v, ParseShortcut %+v", i, back, sc)
		}
	}
}
