package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// Compound files laid out by hand, for the shapes msikit's own writer
// never makes: directory trees that are one long chain of siblings,
// storages nested as deep as the reader allows, stream data scattered
// over the mini stream sector by sector, long DIFAT chains. Each is a
// valid compound file (every chain well formed), so that every command
// reading containers (cfb ls, cat, repack) and, when it holds a database,
// every other command gets past opening it.

const (
	rawFree   = 0xFFFFFFFF
	rawEnd    = 0xFFFFFFFE
	rawFATSec = 0xFFFFFFFD
	rawDIFSec = 0xFFFFFFFC
	rawNone   = 0xFFFFFFFF // no sibling or child
)

// rawEnt is one directory entry to lay out: its name (UTF-16 units, at
// most 31), type (cfb.TypeStorage or cfb.TypeStream), bytes, and the
// index of its storage in the list (0, the root, for top-level entries).
type rawEnt struct {
	name   []uint16
	typ    cfb.Type
	data   []byte
	parent int
}

// rawLayout says how rawCompound lays entries out.
type rawLayout struct {
	// left makes each storage's children a chain of left siblings (the
	// first child at the top); otherwise a chain of right siblings.
	left bool
	// extraDIFAT adds that many DIFAT sectors to the chain after those
	// the FAT needs, each listing no FAT sector.
	extraDIFAT int
	// crossLink stores the bytes of the first stream of 4096 bytes or
	// more only, and points every later one at them: chains sharing
	// sectors, which reading every stream repeats.
	crossLink bool
}

// rawSectors collects the sectors of a version 3 file and their FAT
// entries.
type rawSectors struct {
	secs [][]byte
	fat  []uint32
}

// add stores data in consecutive new sectors chained in the FAT and
// returns the first, or rawEnd for no data.
func (r *rawSectors) add(data []byte) uint32 {
	if len(data) == 0 {
		return rawEnd
	}
	first := uint32(len(r.secs))
	for off := 0; off < len(data); off += 512 {
		s := make([]byte, 512)
		copy(s, data[off:])
		r.secs = append(r.secs, s)
		r.fat = append(r.fat, uint32(len(r.secs)))
	}
	r.fat[len(r.fat)-1] = rawEnd
	return first
}

// rawCompound lays out a version 3 compound file holding ents (the root
// first, as ents[0], with its name). Streams under 4096 bytes go to the
// mini stream, one mini sector each in reverse order of the streams (a
// stream longer than 64 bytes gets consecutive mini sectors), so that
// reading them all visits the mini stream backwards.
func rawCompound(ents []rawEnt, lay rawLayout) []byte {
	le := binary.LittleEndian
	var r rawSectors
	n := len(ents)
	start := make([]uint32, n)
	// Mini stream: streams under the cutoff, placed from the end.
	var miniTotal int
	for _, e := range ents[1:] {
		if e.typ == cfb.TypeStream && len(e.data) > 0 && len(e.data) < 4096 {
			miniTotal += (len(e.data) + 63) / 64
		}
	}
	mini := make([]byte, miniTotal*64)
	miniFAT := make([]uint32, miniTotal)
	next := miniTotal
	shared := uint32(rawNone)
	for i, e := range ents {
		if i == 0 || e.typ != cfb.TypeStream || len(e.data) == 0 {
			start[i] = rawEnd
			continue
		}
		if len(e.data) >= 4096 {
			if lay.crossLink && shared != rawNone {
				start[i] = shared
				continue
			}
			start[i] = r.add(e.data)
			shared = start[i]
			continue
		}
		k := (len(e.data) + 63) / 64
		next -= k
		copy(mini[next*64:], e.data)
		for j := 0; j < k; j++ {
			miniFAT[next+j] = uint32(next + j + 1)
		}
		miniFAT[next+k-1] = rawEnd
		start[i] = uint32(next)
	}
	start[0] = r.add(mini)
	mf := make([]byte, 4*len(miniFAT))
	for i, v := range miniFAT {
		le.PutUint32(mf[4*i:], v)
	}
	firstMiniFAT := r.add(mf)
	// Directory: each storage's children chained through left or right.
	left, right, child := make([]uint32, n), make([]uint32, n), make([]uint32, n)
	last := make([]int, n)
	for i := range n {
		left[i], right[i], child[i], last[i] = rawNone, rawNone, rawNone, -1
	}
	for i := 1; i < n; i++ {
		p := ents[i].parent
		if last[p] < 0 {
			child[p] = uint32(i)
		} else if lay.left {
			left[last[p]] = uint32(i)
		} else {
			right[last[p]] = uint32(i)
		}
		last[p] = i
	}
	dir := make([]byte, (n+3)/4*512)
	for i, e := range ents {
		d := dir[128*i:]
		for j, u := range e.name {
			le.PutUint16(d[2*j:], u)
		}
		le.PutUint16(d[64:], uint16(2*(len(e.name)+1)))
		typ := e.typ
		if i == 0 {
			typ = cfb.TypeRoot
		}
		d[66] = byte(typ)
		d[67] = 1 // black
		le.PutUint32(d[68:], left[i])
		le.PutUint32(d[72:], right[i])
		le.PutUint32(d[76:], child[i])
		le.PutUint32(d[116:], start[i])
		size := uint64(len(e.data))
		if i == 0 {
			size = uint64(len(mini))
		}
		le.PutUint64(d[120:], size)
	}
	for i := n; i < len(dir)/128; i++ {
		d := dir[128*i:]
		le.PutUint32(d[68:], rawNone)
		le.PutUint32(d[72:], rawNone)
		le.PutUint32(d[76:], rawNone)
	}
	firstDir := r.add(dir)
	// FAT and DIFAT sectors at the end: f FAT sectors must describe
	// every sector, themselves and the DIFAT ones included.
	data := len(r.secs)
	f, d := 1, 0
	for {
		d = 0
		if f > 109 {
			d = (f - 109 + 126) / 127
		}
		d += lay.extraDIFAT
		if f*128 >= data+f+d {
			break
		}
		f++
	}
	fat := append(r.fat, make([]uint32, f+d)...)
	for i := 0; i < f; i++ {
		fat[data+i] = rawFATSec
	}
	for i := 0; i < d; i++ {
		fat[data+f+i] = rawDIFSec
	}
	for len(fat) < f*128 {
		fat = append(fat, rawFree)
	}
	var out bytes.Buffer
	h := make([]byte, 512)
	copy(h, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	le.PutUint16(h[24:], 0x3E)
	le.PutUint16(h[26:], 3)
	le.PutUint16(h[28:], 0xFFFE)
	le.PutUint16(h[30:], 9)
	le.PutUint16(h[32:], 6)
	le.PutUint32(h[44:], uint32(f))
	le.PutUint32(h[48:], firstDir)
	le.PutUint32(h[56:], 4096)
	le.PutUint32(h[60:], firstMiniFAT)
	le.PutUint32(h[64:], uint32((len(mf)+511)/512))
	if firstMiniFAT == rawEnd {
		le.PutUint32(h[64:], 0)
	}
	le.PutUint32(h[68:], rawEnd)
	if d > 0 {
		le.PutUint32(h[68:], uint32(data+f))
	}
	le.PutUint32(h[72:], uint32(d))
	for i := 0; i < 109; i++ {
		v := uint32(rawFree)
		if i < f {
			v = uint32(data + i)
		}
		le.PutUint32(h[76+4*i:], v)
	}
	out.Write(h)
	for _, s := range r.secs {
		out.Write(s)
	}
	for i := 0; i < f; i++ {
		s := make([]byte, 512)
		for j := range 128 {
			le.PutUint32(s[4*j:], fat[128*i+j])
		}
		out.Write(s)
	}
	for i := 0; i < d; i++ {
		s := make([]byte, 512)
		for j := range 127 {
			k := 109 + 127*i + j
			v := uint32(rawFree)
			if k < f {
				v = uint32(data + k)
			}
			le.PutUint32(s[4*j:], v)
		}
		nx := uint32(rawEnd)
		if i+1 < d {
			nx = uint32(data + f + i + 1)
		}
		le.PutUint32(s[508:], nx)
		out.Write(s)
	}
	return out.Bytes()
}

// units returns s as UTF-16 units.
func units(s string) []uint16 { return utf16.Encode([]rune(s)) }

// hostileEntryName is a 31-unit name for entry i: control characters (ESC, a
// terminal's clear-screen and title sequences, BEL, C1 controls, a BiDi
// override) around the number.
func hostileEntryName(i int) []uint16 {
	s := fmt.Sprintf("\x1b[2J\x1b]0;%06d\x07\u0085\u202e", i)
	u := units(s)
	for len(u) < 31 {
		u = append(u, 0x9B) // CSI, a C1 control
	}
	return u
}

// sampleEnts returns the entries of testdata/sample.msi for rawCompound:
// the root (ents[0]) and every storage and stream with its bytes.
func sampleEnts(t testing.TB) []rawEnt {
	t.Helper()
	db, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	must(t, err)
	r, err := cfb.NewReader(bytes.NewReader(db), int64(len(db)))
	must(t, err)
	index := map[*cfb.Entry]int{}
	var ents []rawEnt
	for _, e := range r.Entries() {
		index[e] = len(ents)
		re := rawEnt{name: e.RawName, typ: e.Type}
		if e.Parent != nil {
			re.parent = index[e.Parent]
		}
		if e.Type == cfb.TypeStream {
			s, err := e.Open()
			must(t, err)
			re.data = make([]byte, e.Size)
			_, err = s.ReadAt(re.data, 0)
			must(t, err)
		}
		ents = append(ents, re)
	}
	return ents
}

// buildCFBChain adds 1,000 streams a scale (25,000 at 5 MB) of 64 bytes
// to the sample, named with control characters (hostileEntryName), and lays
// the root's children out as one chain of right siblings (left: left
// siblings): a tree walked recursively goes as deep as it has entries.
// Each stream's bytes are one mini sector, the last stream's first, so
// that reading them in name order jumps backwards through the mini
// stream.
func buildCFBChain(left bool) func(t testing.TB, scale int) []byte {
	return func(t testing.TB, scale int) []byte {
		ents := sampleEnts(t)
		for i := range 1000 * scale {
			ents = append(ents, rawEnt{name: hostileEntryName(i), typ: cfb.TypeStream, data: []byte(fmt.Sprintf("%-64d", i))})
		}
		return rawCompound(ents, rawLayout{left: left})
	}
}

// buildCFBDeepStorages adds to the sample a chain of 63 storages, each
// inside the previous one, and 5,000 streams in the deepest, at depth 64
// (cfb.DefaultMaxDepth), every name 31 units of control characters: 16 MB of
// entry paths at most (the reader's bound), 48 MB when escaped.
func buildCFBDeepStorages(t testing.TB, _ int) []byte {
	ents := sampleEnts(t)
	parent := 0
	for d := range cfb.DefaultMaxDepth - 1 {
		ents = append(ents, rawEnt{name: hostileEntryName(d), typ: cfb.TypeStorage, parent: parent})
		parent = len(ents) - 1
	}
	for i := range 5000 {
		ents = append(ents, rawEnt{name: hostileEntryName(i), typ: cfb.TypeStream, data: []byte{byte(i)}, parent: parent})
	}
	return rawCompound(ents, rawLayout{})
}

// buildCFBDIFAT gives the sample a DIFAT chain of 1,000 sectors a scale
// (9,000 at 5 MB), listing one FAT sector between them.
func buildCFBDIFAT(t testing.TB, scale int) []byte {
	return rawCompound(sampleEnts(t), rawLayout{extraDIFAT: 1000 * scale})
}

// cfbCrossLinked is the sample and 1,000 streams of 4 KiB (4 MB
// claimed) whose chains are one chain of 8 sectors.
func cfbCrossLinked(t testing.TB) []byte {
	ents := sampleEnts(t)
	for i := range 1000 {
		ents = append(ents, rawEnt{name: hostileEntryName(i), typ: cfb.TypeStream, data: make([]byte, 4096)})
	}
	return rawCompound(ents, rawLayout{crossLink: true})
}

// checkCFBStreams reads every stream of the database (as msikit cat
// does) in budget; there are at least min of them.
func checkCFBStreams(min int) func(t *testing.T, db *msi.Database) {
	return func(t *testing.T, db *msi.Database) {
		streams := db.Streams()
		if len(streams) < min {
			t.Errorf("%d streams, want at least %d", len(streams), min)
		}
		testenv.CheckBudget(t, "read every stream", func() {
			for _, st := range streams {
				s, err := db.OpenStream(st.Name)
				must(t, err)
				if _, err := io.Copy(io.Discard, io.NewSectionReader(s, 0, s.Size())); err != nil {
					t.Fatalf("%q: %v", st.Name, err)
				}
			}
		})
	}
}

// TestHostileCompoundFiles opens each hand-laid compound file, reads
// every stream and copies the container through the writer (cfb repack)
// in budget, and checks what the reader found: every entry, the deepest
// nesting, a repacked copy no larger than the input's streams need.
func TestHostileCompoundFiles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		data    []byte
		entries int // directory entries below the root, the sample's aside
		depth   int
	}{
		{"right chain", buildCFBChain(false)(t, 4), 4000, 1},
		{"left chain", buildCFBChain(true)(t, 4), 4000, 1},
		{"deep storages", buildCFBDeepStorages(t, 1), 63 + 5000, 64},
		{"DIFAT chain", buildCFBDIFAT(t, 2), 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sample := len(sampleEnts(t)) - 1
			var r *cfb.Reader
			var repacked bytes.Buffer
			testenv.CheckBudget(t, "open, read, repack", func() {
				var err error
				r, err = cfb.NewReader(bytes.NewReader(tc.data), int64(len(tc.data)))
				must(t, err)
				for _, e := range r.Entries() {
					if e.Type != cfb.TypeStream {
						continue
					}
					s, err := e.Open()
					must(t, err)
					if _, err := io.Copy(io.Discard, s); err != nil {
						t.Fatalf("%q: %v", e.Path, err)
					}
				}
				repacked.Reset()
				w := cfb.NewWriter(&repacked, nil)
				must(t, w.Copy(r.Root))
				must(t, w.Close())
			})
			if n := len(r.Entries()) - 1 - sample; n != tc.entries {
				t.Errorf("%d entries besides the sample's, want %d", n, tc.entries)
			}
			depth := 0
			for _, e := range r.Entries() {
				d := 0
				for p := e; p.Parent != nil; p = p.Parent {
					d++
				}
				depth = max(depth, d)
			}
			if depth != tc.depth {
				t.Errorf("deepest entry at depth %d, want %d", depth, tc.depth)
			}
			if repacked.Len() > len(tc.data)+64<<10 {
				t.Errorf("repacked into %d bytes from %d", repacked.Len(), len(tc.data))
			}
		})
	}
	// Streams sharing sectors are refused when the file is opened: a
	// copy (cfb repack, repack) never repeats shared data.
	t.Run("cross-linked", func(t *testing.T) {
		data := cfbCrossLinked(t)
		var err error
		testenv.CheckBudget(t, "open", func() { _, err = cfb.NewReader(bytes.NewReader(data), int64(len(data))) })
		if !errors.Is(err, cfb.ErrFormat) || !strings.Contains(err.Error(), "belongs to another chain") {
			t.Errorf("NewReader: %v, want a cfb.ErrFormat naming the shared sector", err)
		}
	})
}
