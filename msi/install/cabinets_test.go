package msi

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/msikit/msikit/internal/testenv"
)

// cabBytes builds a cabinet header: CFHEADER (with optional reserve and
// previous/next names) and the given CFFOLDER compression types. No data
// follows; ReadCabHeader never reads past the folder table.
func cabBytes(flags uint16, folders []uint16, prev, next string, folderReserve byte) []byte {
	le := binary.LittleEndian
	var b []byte
	b = append(b, "MSCF"...)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, 1000) // cbCabinet
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, 0) // coffFiles
	b = le.AppendUint32(b, 0)
	b = append(b, 3, 1) // version 1.3
	b = le.AppendUint16(b, uint16(len(folders)))
	b = le.AppendUint16(b, 7) // cFiles
	b = le.AppendUint16(b, flags)
	b = le.AppendUint16(b, 0x1234) // setID
	b = le.AppendUint16(b, 2)      // iCabinet
	if flags&4 != 0 {
		b = le.AppendUint16(b, 3) // cbCFHeader
		b = append(b, folderReserve, 0, 0xAA, 0xBB, 0xCC)
	}
	if flags&1 != 0 {
		b = append(b, prev+"\x00disk1\x00"...)
	}
	if flags&2 != 0 {
		b = append(b, next+"\x00disk3\x00"...)
	}
	for i, f := range folders {
		b = le.AppendUint32(b, uint32(100+i))
		b = le.AppendUint16(b, uint16(i+1))
		b = le.AppendUint16(b, f)
		b = append(b, make([]byte, folderReserve)...)
	}
	return b
}

func TestReadCabHeader(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want CabHeader
		comp string
	}{
		{"mszip", cabBytes(0, []uint16{1}, "", "", 0),
			CabHeader{Size: 1000, Version: "1.3", Files: 7, SetID: 0x1234, Index: 2,
				Folders: []CabFolder{{CabCompression(1), 1, 100}}}, "MSZIP"},
		{"lzx and stored", cabBytes(0, []uint16{0x1503, 0}, "", "", 0),
			CabHeader{Size: 1000, Version: "1.3", Files: 7, SetID: 0x1234, Index: 2,
				Folders: []CabFolder{{CabCompression(0x1503), 1, 100}, {CabCompression(0), 2, 101}}}, "LZX:21+none"},
		{"quantum, reserve, set", cabBytes(7, []uint16{0x1272}, "a.cab", "c.cab", 2),
			CabHeader{Size: 1000, Version: "1.3", Files: 7, Flags: 7, SetID: 0x1234, Index: 2,
				PrevCabinet: "a.cab", NextCabinet: "c.cab",
				Folders: []CabFolder{{CabCompression(0x1272), 1, 100}}}, "Quantum:18"},
		{"empty", cabBytes(0, nil, "", "", 0),
			CabHeader{Size: 1000, Version: "1.3", Files: 7, SetID: 0x1234, Index: 2, Folders: []CabFolder{}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ReadCabHeader(bytes.NewReader(tc.data), int64(len(tc.data)), "x.cab")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, *h, cmpopts.IgnoreUnexported(CabHeader{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// As read (computed once) and as built by hand.
			if got := h.Compression(); got != tc.comp {
				t.Errorf("Compression() = %q, want %q", got, tc.comp)
			}
			if got := tc.want.Compression(); got != tc.comp {
				t.Errorf("Compression() of a CabHeader literal = %q, want %q", got, tc.comp)
			}
		})
	}
}

func TestReadCabHeaderErrors(t *testing.T) {
	good := cabBytes(7, []uint16{1, 1}, "a.cab", "c.cab", 0)
	unterminated := cabBytes(1, nil, strings.Repeat("n", 300), "", 0)
	manyFolders := cabBytes(0, []uint16{1}, "", "", 0)
	manyFolders[26], manyFolders[27] = 0xff, 0xff
	bigReserve := cabBytes(4, nil, "", "", 0)
	bigReserve[36], bigReserve[37] = 0xff, 0xff
	for name, b := range map[string][]byte{
		"truncated header":  good[:30],
		"truncated names":   good[:45],
		"truncated folders": good[:len(good)-3],
		"unterminated name": unterminated[:len(unterminated)-8],
		"65535 folders":     manyFolders,
		"huge reserve":      bigReserve,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadCabHeader(bytes.NewReader(b), int64(len(b)), "x.cab")
			var fe *FormatError
			if !errors.Is(err, ErrFormat) || !errors.As(err, &fe) || fe.Stream != "x.cab" {
				t.Errorf("err = %v, want a FormatError naming x.cab", err)
			}
		})
	}
	for _, b := range [][]byte{nil, []byte("MSC"), []byte("PK\x03\x04 not a cabinet at all.......................")} {
		if _, err := ReadCabHeader(bytes.NewReader(b), int64(len(b)), "x"); !errors.Is(err, ErrNotCabinet) {
			t.Errorf("%q: err = %v, want ErrNotCabinet", b, err)
		}
	}
}

// manifestCabs reads the "cabs:" field of the corpus MANIFEST.tsv summary
// column: name[COMPRESSION,Nfiles] for every embedded cabinet, computed by
// the corpus's own (independent) tooling.
func manifestCabs(t *testing.T) map[string][]string {
	f, err := os.Open(filepath.Join(testenv.CorpusDir(), "MANIFEST.tsv"))
	if err != nil {
		t.Skip("no MANIFEST.tsv in the corpus")
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 8 {
			continue
		}
		var cabs []string
		for _, part := range strings.Split(cols[7], "; ") {
			if rest, ok := strings.CutPrefix(part, "cabs:"); ok {
				// Entries are name[...] separated by "," outside brackets.
				depth, start := 0, 0
				for i, c := range rest {
					switch c {
					case '[':
						depth++
					case ']':
						depth--
					case ',':
						if depth == 0 {
							cabs = append(cabs, rest[start:i])
							start = i + 1
						}
					}
				}
				cabs = append(cabs, rest[start:])
			}
		}
		sort.Strings(cabs)
		out[cols[0]] = cabs
	}
	return out
}

// TestCabinetsMatchManifest lists the embedded cabinets of every corpus
// package and compares names, compression and file counts with the
// corpus manifest.
func TestCabinetsMatchManifest(t *testing.T) {
	files := testenv.CorpusFiles(t)
	manifest := manifestCabs(t)
	compared := 0
	for _, file := range files {
		want, ok := manifest[filepath.Base(file)]
		if !ok || testenv.IsCorrupt(file) {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			db, err := Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if db.Kind() == PackageTransform {
				return
			}
			cabs, err := db.Cabinets()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cabs {
				if !c.Embedded {
					continue
				}
				if c.Err != nil {
					t.Errorf("cabinet %s: %v", c.Stream, c.Err)
					continue
				}
				comp := c.Header.Compression()
				if comp == "" {
					comp = "EMPTYCAB"
				}
				got = append(got, fmt.Sprintf("%s[%s,%dfiles]", c.Stream, comp, c.Header.Files))
			}
			sort.Strings(got)
			if diff := cmp.Diff(want, got, cmpEmptyNil); diff != "" {
				t.Errorf("cabinets differ from MANIFEST.tsv (-manifest +ours):\n%s", diff)
			}
			compared++
		})
	}
	t.Logf("%d packages' cabinet lists match the manifest", compared)
}

var cmpEmptyNil = cmp.Transformer("nilslice", func(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
})
