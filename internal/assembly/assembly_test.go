package assembly

import (
	"bytes"
	"errors"
	"testing"

	"github.com/msikit/msikit/internal/assembly/asmtest"

	"github.com/google/go-cmp/cmp"
)

// ecmaKey is the ECMA standard public key (ECMA-335 II.6.2.1.3).
var ecmaKey = []byte{0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0}

func TestPublicKeyToken(t *testing.T) {
	tests := []struct {
		name string
		key  []byte
		want string
	}{
		// The ECMA key's token is published as b77a5c561934e089 (the
		// mscorlib/System token).
		{"ecma", ecmaKey, "B77A5C561934E089"},
		{"empty", nil, ""},
		{"already a token", []byte{0xb7, 0x7a, 0x5c, 0x56, 0x19, 0x34, 0xe0, 0x89}, "B77A5C561934E089"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PublicKeyToken(tt.key); got != tt.want {
				t.Errorf("PublicKeyToken(%x) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestArchitecture(t *testing.T) {
	const (
		il   = FlagILOnly
		req  = Flag32BitRequired
		pref = Flag32BitPreferred
	)
	tests := []struct {
		name     string
		machine  uint16
		pe32Plus bool
		cor      uint32
		asmFlags uint32
		want     string
		wantErr  bool
	}{
		{"AnyCPU", MachineI386, false, il, 0, ArchMSIL, false},
		{"AnyCPU strong-named", MachineI386, false, il | FlagStrongNameSig, 0, ArchMSIL, false},
		{"x86 only", MachineI386, false, il | req, 0, ArchX86, false},
		{"AnyCPU 32-bit preferred", MachineI386, false, il | req | pref, 0, ArchMSIL, false},
		{"32BITPREFERRED alone", MachineI386, false, il | pref, 0, ArchMSIL, false},
		{"mixed mode x86", MachineI386, false, 0, 0, ArchX86, false},
		{"mixed mode x86 native entry", MachineI386, false, FlagNativeEntry, 0, ArchX86, false},
		{"x64 IL-only", MachineAMD64, true, il, 0, ArchAMD64, false},
		{"x64 mixed mode", MachineAMD64, true, 0, 0, ArchAMD64, false},
		{"Itanium", MachineIA64, true, il, 0, ArchIA64, false},
		{"ARM64", MachineARM64, true, il, 0, ArchARM64, false},
		{"ARM 32-bit", MachineARMNT, false, il, 0, ArchARM, false},
		{"reference assembly, no platform", MachineI386, false, il, 0x70, "", false},
		{"no platform wins over PE32+", MachineAMD64, true, il, 0x71, "", false},
		{"afPA_MSIL bits ignored", MachineI386, false, il, 0x11, ArchMSIL, false},
		{"PE32+ with 32BITREQUIRED", MachineAMD64, true, il | req, 0, "", true},
		{"PE32+ I386", MachineI386, true, il, 0, "", true},
		{"PE32 AMD64", MachineAMD64, false, il, 0, "", true},
		{"unknown machine", 0x1234, false, il, 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Architecture(tt.machine, tt.pe32Plus, tt.cor, tt.asmFlags)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Architecture error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				var ue *UnsupportedError
				if !errors.As(err, &ue) {
					t.Errorf("error %T, want *UnsupportedError", err)
				}
			}
			if got != tt.want {
				t.Errorf("Architecture = %q, want %q", got, tt.want)
			}
		})
	}
}

func fv(a, b, c, d uint16) *[4]uint16 { return &[4]uint16{a, b, c, d} }

// baseSpec is an AnyCPU assembly with a Module row.
func baseSpec() asmtest.Spec {
	return asmtest.Spec{
		Machine: MachineI386, CorFlags: FlagILOnly, Name: "Fixture.Lib", Ver: [4]uint16{1, 2, 3, 4},
		Fills: []asmtest.Fill{fl(tModule, 1, 10)},
	}
}

func TestReadDotNet(t *testing.T) {
	tests := []struct {
		name string
		spec func(*asmtest.Spec)
		want Identity
	}{
		{"AnyCPU minimal", func(s *asmtest.Spec) {},
			Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "neutral", ProcessorArchitecture: "MSIL"}},
		{"signed with culture and file version", func(s *asmtest.Spec) {
			s.Culture, s.PublicKey, s.FileVersion = "de-CH", ecmaKey, fv(2011, 110, 3000, 0)
		}, Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "de-CH", PublicKeyToken: "B77A5C561934E089", ProcessorArchitecture: "MSIL", FileVersion: "2011.110.3000.0"}},
		{"x86", func(s *asmtest.Spec) { s.CorFlags |= Flag32BitRequired },
			Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "neutral", ProcessorArchitecture: "x86"}},
		{"AnyCPU 32-bit preferred", func(s *asmtest.Spec) { s.CorFlags |= Flag32BitRequired | Flag32BitPreferred },
			Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "neutral", ProcessorArchitecture: "MSIL"}},
		{"mixed mode", func(s *asmtest.Spec) { s.CorFlags = 0 },
			Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "neutral", ProcessorArchitecture: "x86"}},
		{"AMD64", func(s *asmtest.Spec) { s.Machine, s.PE32Plus = MachineAMD64, true },
			Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "neutral", ProcessorArchitecture: "AMD64"}},
		{"ARM64", func(s *asmtest.Spec) { s.Machine, s.PE32Plus = MachineARM64, true },
			Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "neutral", ProcessorArchitecture: "ARM64"}},
		{"IA64 with version", func(s *asmtest.Spec) { s.Machine, s.PE32Plus, s.FileVersion = MachineIA64, true, fv(1, 0, 0, 7) },
			Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "neutral", ProcessorArchitecture: "IA64", FileVersion: "1.0.0.7"}},
		{"no platform", func(s *asmtest.Spec) { s.AsmFlags = 0x70 },
			Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "neutral"}},
		{"max version", func(s *asmtest.Spec) { s.Ver = [4]uint16{65535, 65535, 65535, 65535} },
			Identity{Name: "Fixture.Lib", Version: "65535.65535.65535.65535", Culture: "neutral", ProcessorArchitecture: "MSIL"}},
		// Row sizes below are computed by hand from ECMA-335 II.22.
		{"many small tables", func(s *asmtest.Spec) {
			s.Fills = []asmtest.Fill{
				fl(tModule, 1, 10),         // 2 + str + 3 guid
				fl(tTypeRef, 5, 6),         // ResolutionScope + 2 str
				fl(tTypeDef, 3, 14),        // 4 + 2 str + TypeDefOrRef + Field + MethodDef
				fl(tField, 4, 6),           // 2 + str + blob
				fl(tMethodDef, 2, 14),      // 4 + 2 + 2 + str + blob + Param
				fl(tParam, 3, 6),           // 2 + 2 + str
				fl(tMemberRef, 4, 6),       // MemberRefParent + str + blob
				fl(tCustomAttribute, 5, 6), // HasCustomAttribute + CAType + blob
				fl(tStandAloneSig, 1, 2),   // blob
				fl(tPropertyMap, 1, 4),     // TypeDef + Property
				fl(tProperty, 2, 6),        // 2 + str + blob
				fl(tMethodSemantics, 2, 6), // 2 + MethodDef + HasSemantics
				fl(tTypeSpec, 1, 2),        // blob
				fl(tENCLog, 1, 8),          // 4 + 4
				fl(tENCMap, 1, 4),          // 4
				fl(tImplMap, 1, 8),         // 2 + MemberForwarded + str + ModuleRef
				fl(tFieldRVA, 1, 6),        // 4 + Field
				fl(tClassLayout, 1, 8),     // 2 + 4 + TypeDef
				fl(tDeclSecurity, 1, 6),    // 2 + HasDeclSecurity + blob
				fl(tConstant, 1, 6),        // 2 + HasConstant + blob
				fl(tFieldMarshal, 1, 4),    // HasFieldMarshal + blob
				fl(tInterfaceImpl, 1, 4),   // TypeDef + TypeDefOrRef
				fl(tEventMap, 1, 4),        // TypeDef + Event
				fl(tEvent, 1, 6),           // 2 + str + TypeDefOrRef
				fl(tMethodImpl, 1, 6),      // TypeDef + 2 MethodDefOrRef
				fl(tModuleRef, 1, 2),       // str
				fl(tFieldLayout, 1, 6),     // 4 + Field
			}
		}, Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "neutral", ProcessorArchitecture: "MSIL"}},
		{"wide heaps", func(s *asmtest.Spec) {
			s.HeapSizes = 7
			s.Culture, s.PublicKey = "fr", ecmaKey
			s.Fills = []asmtest.Fill{fl(tModule, 1, 18), fl(tTypeRef, 2, 10), fl(tField, 3, 10)}
		}, Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "fr", PublicKeyToken: "B77A5C561934E089", ProcessorArchitecture: "MSIL"}},
		{"wide Field index", func(s *asmtest.Spec) {
			s.Fills = []asmtest.Fill{fl(tModule, 1, 10), fl(tTypeDef, 1, 16), fl(tField, 70000, 6), fl(tFieldLayout, 2, 8)}
		}, Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "neutral", ProcessorArchitecture: "MSIL"}},
		{"wide coded index", func(s *asmtest.Spec) {
			// 3000 TypeRef rows need more than 11 bits: HasCustomAttribute
			// (5 tag bits) widens, ResolutionScope (2 tag bits) does not.
			s.Fills = []asmtest.Fill{fl(tModule, 1, 10), fl(tTypeRef, 3000, 6), fl(tCustomAttribute, 2, 8)}
		}, Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "neutral", ProcessorArchitecture: "MSIL"}},
		{"tables after Assembly", func(s *asmtest.Spec) {
			s.ExtraRows = map[int]uint32{tAssemblyRef: 3, tManifestResource: 1, 0x3f: 5}
		}, Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "neutral", ProcessorArchitecture: "MSIL"}},
		{"uncompressed #- stream", func(s *asmtest.Spec) { s.TablesStream = "#-" },
			Identity{Name: "Fixture.Lib", Version: "1.2.3.4", Culture: "neutral", ProcessorArchitecture: "MSIL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := baseSpec()
			tt.spec(&s)
			b := asmtest.BuildPE(s)
			d, err := ReadDotNet(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, d.Identity); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadDotNetNoManifest(t *testing.T) {
	tests := []struct {
		name string
		b    func() []byte
	}{
		{"module without Assembly row", func() []byte {
			s := baseSpec()
			s.NoAssembly = true
			return asmtest.BuildPE(s)
		}},
		{"native image", func() []byte {
			b := asmtest.BuildPE(baseSpec())
			// Clear data directory 14 (PE32: optional header at 0x58,
			// directories at +96).
			copy(b[0x58+96+14*8:], make([]byte, 8))
			return b
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b()
			_, err := ReadDotNet(bytes.NewReader(b), int64(len(b)))
			if !errors.Is(err, ErrNoManifest) {
				t.Fatalf("error = %v, want ErrNoManifest", err)
			}
			if errors.Is(err, ErrFormat) {
				t.Errorf("error %v also matches ErrFormat", err)
			}
		})
	}
}

// put writes v little-endian at off of a copy of b.
func put(b []byte, off int, v ...byte) []byte {
	c := bytes.Clone(b)
	copy(c[off:], v)
	return c
}

func TestReadDotNetMalformed(t *testing.T) {
	s := baseSpec()
	s.PublicKey, s.Culture, s.FileVersion = ecmaKey, "de", fv(1, 2, 3, 4)
	good := asmtest.BuildPE(s)
	if _, err := ReadDotNet(bytes.NewReader(good), int64(len(good))); err != nil {
		t.Fatal(err)
	}
	const (
		opt   = 0x58       // optional header
		dirs  = opt + 96   // data directories
		sect  = opt + 224  // section table
		cli   = 0x200      // CLI header (file offset)
		md    = cli + 0x48 // metadata root
		mdEnd = md + 16 + 12 + 4
	)
	ff := []byte{0xff, 0xff, 0xff, 0xff}
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"not MZ", put(good, 0, 'X')},
		{"e_lfanew past end", put(good, 0x3c, 0xf0, 0xff, 0xff, 0x7f)},
		{"no PE signature", put(good, 0x40, 'N')},
		{"bad optional magic", put(good, opt, 0x07, 0x01)},
		{"optional header too short", put(good, 0x40+20, 10, 0)},
		{"optional header past end", put(good, 0x40+20, 0xff, 0xff)},
		{"65535 sections", put(good, 0x40+6, 0xff, 0xff)},
		{"section raw data past end", put(good, sect+20, 0, 0, 0, 0x70)},
		{"CLI header RVA in no section", put(good, dirs+14*8, 0, 0, 0, 0x40)},
		{"CLI header RVA wraps", put(good, dirs+14*8, 0xfc, 0xff, 0xff, 0xff)},
		{"CLI header too small", put(good, cli, 8)},
		{"metadata size huge", put(good, cli+12, ff...)},
		{"metadata size zero", put(good, cli+12, 0, 0, 0, 0)},
		{"metadata RVA outside", put(good, cli+8, 0, 0, 0, 0x10)},
		{"no BSJB", put(good, md, 'X')},
		{"version length huge", put(good, md+12, ff...)},
		{"stream count huge", put(good, md+16+12+2, 0xff, 0xff)},
		{"stream offset past end", put(good, mdEnd, ff...)},
		{"stream size past end", put(good, mdEnd+4, ff...)},
		{"stream name unterminated", put(good, mdEnd+8, bytes.Repeat([]byte{'A'}, 40)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadDotNet(bytes.NewReader(tt.b), int64(len(tt.b)))
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error = %v, want ErrFormat", err)
			}
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Part == "" {
				t.Errorf("error %v is not a *FormatError naming its part", err)
			}
		})
	}
}

// tablesOffset returns the file offset of the #~ stream in a fixture.
func tablesOffset(t *testing.T, b []byte) int {
	i := bytes.Index(b, []byte("BSJB"))
	j := bytes.Index(b[i:], []byte("#~\x00"))
	if i < 0 || j < 0 {
		t.Fatal("fixture without metadata")
	}
	so := int(b[i+j-8]) | int(b[i+j-7])<<8
	return i + so
}

func TestReadDotNetMalformedTables(t *testing.T) {
	s := baseSpec()
	s.PublicKey, s.Culture = ecmaKey, "de"
	good := asmtest.BuildPE(s)
	ts := tablesOffset(t, good)
	rowCounts := ts + 24
	asmRow := rowCounts + 8 + 10 // two row counts, one Module row
	tests := []struct {
		name string
		b    []byte
	}{
		{"row count over 2^24", put(good, rowCounts, 0, 0, 0, 2)},
		{"rows run past the stream", put(good, rowCounts, 0, 0, 0x10, 0)},
		{"two Assembly rows", put(good, rowCounts+4, 2)},
		{"row counts truncated", put(good, ts+8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)},
		{"public key index past heap", put(good, asmRow+16, 0xff, 0xff)},
		{"name index past heap", put(good, asmRow+18, 0xff, 0xff)},
		{"culture index past heap", put(good, asmRow+20, 0xff, 0x7f)},
		{"empty name", put(good, asmRow+18, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadDotNet(bytes.NewReader(tt.b), int64(len(tt.b)))
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error = %v, want ErrFormat", err)
			}
		})
	}
	// The blob length prefix and string terminator: corrupt the heaps.
	blobAt := bytes.Index(good, ecmaKey) - 1
	strAt := bytes.Index(good, []byte("Fixture.Lib\x00"))
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"blob length past heap", put(good, blobAt, 0xdf, 0xff, 0xff, 0xff)},
		{"blob 2-byte length past heap", put(good, blobAt, 0xbf, 0xff)},
		{"bad blob prefix", put(good, blobAt, 0xff)},
		{"string not valid UTF-8", put(good, strAt, 0xff, 0xfe)},
		{"string unterminated", func() []byte {
			// Replace the tail of the #Strings heap with non-NUL bytes.
			c := put(good, strAt, bytes.Repeat([]byte{'x'}, len("Fixture.Lib\x00de\x00"))...)
			return c
		}()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadDotNet(bytes.NewReader(tt.b), int64(len(tt.b)))
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error = %v, want ErrFormat", err)
			}
		})
	}
}

// TestReadDotNetTruncated checks that every proper prefix of a valid image
// is rejected with ErrFormat, and that flipping any byte never panics.
func TestReadDotNetTruncated(t *testing.T) {
	s := baseSpec()
	s.PublicKey, s.Culture, s.FileVersion = ecmaKey, "de", fv(1, 2, 3, 4)
	good := asmtest.BuildPE(s)
	for n := 0; n < len(good); n++ {
		_, err := ReadDotNet(bytes.NewReader(good[:n]), int64(n))
		if !errors.Is(err, ErrFormat) {
			t.Fatalf("prefix of %d/%d bytes: error = %v, want ErrFormat", n, len(good), err)
		}
	}
	for i := range good {
		c := put(good, i, good[i]^0xff)
		d, err := ReadDotNet(bytes.NewReader(c), int64(len(c)))
		if err == nil && d.Name == "" {
			t.Fatalf("flip at %d: success with empty name", i)
		}
	}
}

func TestReadManifest(t *testing.T) {
	utf16le := func(s string) []byte {
		b := []byte{0xff, 0xfe}
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8))
		}
		return b
	}
	const full = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">
  <noInheritable/>
  <assemblyIdentity type="win32" name="Microsoft.VC90.CRT" version="9.0.21022.8"
     processorArchitecture="amd64" publicKeyToken="1fc8b3b9a1e18e3b" language="*"/>
  <file name="msvcr90.dll"/>
</assembly>`
	want := &Identity{Type: "win32", Name: "Microsoft.VC90.CRT", Version: "9.0.21022.8", ProcessorArchitecture: "amd64", PublicKeyToken: "1fc8b3b9a1e18e3b", Language: "*"}
	tests := []struct {
		name    string
		in      []byte
		want    *Identity
		wantErr error
	}{
		{"full", []byte(full), want, nil},
		{"utf-8 bom", append([]byte{0xef, 0xbb, 0xbf}, full...), want, nil},
		{"utf-16le bom", utf16le(strings16(full)), want, nil},
		{"minimal", []byte(`<assembly><assemblyIdentity name="A" version="1.0.0.0"/></assembly>`), &Identity{Name: "A", Version: "1.0.0.0"}, nil},
		{"windows-1252", []byte("<?xml version=\"1.0\" encoding=\"windows-1252\"?><assembly><assemblyIdentity name=\"Caf\xe9\"/></assembly>"), &Identity{Name: "Café"}, nil},
		{"nested identity ignored", []byte(`<assembly><dependency><dependentAssembly><assemblyIdentity name="Dep"/></dependentAssembly></dependency></assembly>`), nil, ErrNoManifest},
		{"no identity", []byte(`<?xml version="1.0"?><assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0"/>`), nil, ErrNoManifest},
		{"identity without name", []byte(`<assembly><assemblyIdentity version="1.0.0.0"/></assembly>`), nil, ErrFormat},
		{"wrong root", []byte(`<html><assemblyIdentity name="A"/></html>`), nil, ErrFormat},
		{"not xml", []byte("MZ\x90\x00binary"), nil, ErrFormat},
		{"empty", nil, nil, ErrFormat},
		{"unclosed", []byte(`<assembly><assemblyIdentity name="A"`), nil, ErrFormat},
		{"unknown encoding", []byte(`<?xml version="1.0" encoding="ebcdic"?><assembly/>`), nil, ErrFormat},
		{"too large", append([]byte("<assembly>"), bytes.Repeat([]byte(" "), MaxManifest)...), nil, ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadManifest(bytes.NewReader(tt.in))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
}

// strings16 rewrites the XML declaration for a UTF-16 document.
func strings16(s string) string {
	return string(bytes.Replace([]byte(s), []byte(`encoding="UTF-8"`), []byte(`encoding="UTF-16"`), 1))
}

// fl is a table fill of rows rows of size bytes.
func fl(table int, rows uint32, size int) asmtest.Fill {
	return asmtest.Fill{Table: table, Rows: rows, RowSize: size}
}

func BenchmarkReadDotNet(b *testing.B) {
	s := baseSpec()
	s.PublicKey, s.Culture, s.FileVersion = ecmaKey, "de", fv(1, 2, 3, 4)
	s.Fills = []asmtest.Fill{fl(tModule, 1, 10), fl(tTypeRef, 3000, 6), fl(tTypeDef, 500, 14), fl(tField, 2000, 6), fl(tMethodDef, 4000, 14), fl(tCustomAttribute, 300, 8)}
	img := asmtest.BuildPE(s)
	r := bytes.NewReader(img)
	b.SetBytes(int64(len(img)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadDotNet(r, int64(len(img))); err != nil {
			b.Fatal(err)
		}
	}
}
