package fuzz

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
	"github.com/msikit/msikit/transform"
)

// Test-only encoders for the decompression-bomb and tiny-block fixtures:
// an LZX writer with hand-built trees, a deflate writer of dynamic and
// fixed blocks, and a Quantum arithmetic coder over the format's adaptive
// models (symbols with no raw bits only). Each writes what the attack
// needs and nothing more; TestBombEncodersAgainst7zz checks the output of
// each with 7-Zip, an independent decoder.

// huffCodes returns the canonical code of each symbol of lens (assigned
// in order of length, then symbol: LZX and deflate alike), most
// significant bit first; 0-length symbols get none.
func huffCodes(lens []uint8) []uint32 {
	var count [17]int
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	var next [17]uint32
	code := uint32(0)
	for l := 1; l <= 16; l++ {
		code = (code + uint32(count[l-1])) << 1
		next[l] = code
	}
	codes := make([]uint32, len(lens))
	for s, l := range lens {
		if l != 0 {
			codes[s] = next[l]
			next[l]++
		}
	}
	return codes
}

// --- LZX.

const (
	lzxMainSyms21 = 256 + 50*8 // main tree symbols of a 2^21 window
	lzxLenSyms    = 249
	lzxFrame      = 32768
)

// lzxEnc writes an LZX stream cut into 32 KiB frames, one per CFDATA
// block: bits go most significant first into 16-bit little-endian words,
// and each frame ends on a word boundary.
type lzxEnc struct {
	acc  uint32
	nacc uint
	cur  []byte
	// frames holds the finished CFDATA payloads and sizes their output.
	frames    [][]byte
	sizes     []int
	out, next int
	// the trees' lengths as the decoder has them (deltas are against these)
	mainLens [lzxMainSyms21]uint8
	lenLens  [lzxLenSyms]uint8
	main     []uint32 // codes of the current block
	length   []uint32
}

func newLZXEnc(e8 uint32) *lzxEnc {
	w := &lzxEnc{next: lzxFrame}
	if e8 == 0 {
		w.bits(1, 0)
	} else {
		w.bits(1, 1)
		w.bits(16, e8>>16)
		w.bits(16, e8&0xffff)
	}
	return w
}

func (w *lzxEnc) bits(n uint, v uint32) {
	for i := int(n) - 1; i >= 0; i-- {
		w.acc = w.acc<<1 | v>>uint(i)&1
		w.nacc++
		if w.nacc == 16 {
			w.cur = binary.LittleEndian.AppendUint16(w.cur, uint16(w.acc))
			w.acc, w.nacc = 0, 0
		}
	}
}

func (w *lzxEnc) align() {
	if w.nacc > 0 {
		w.bits(16-w.nacc, 0)
	}
}

// produced records n bytes of output, cutting a frame wherever the output
// reaches a frame's end (a match may run past it into the next).
func (w *lzxEnc) produced(n int) {
	w.out += n
	for w.out >= w.next {
		w.align()
		w.frames, w.sizes = append(w.frames, w.cur), append(w.sizes, lzxFrame)
		w.cur = nil
		w.next += lzxFrame
	}
}

// finish closes the last, shorter frame.
func (w *lzxEnc) finish() {
	w.align()
	if rest := w.out - (w.next - lzxFrame); rest > 0 {
		w.frames, w.sizes = append(w.frames, w.cur), append(w.sizes, rest)
	}
	w.cur = nil
}

// lzxPreLens is the pretree of every tree: a complete code (7-Zip refuses
// others), 4 bits for the deltas 0-11, 5 for the rest.
var (
	lzxPreLens  = []uint8{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5}
	lzxPreCodes = huffCodes(lzxPreLens)
)

// lengths writes new code lengths for the decoder's prev: the pretree
// lzxPreLens, then zero runs (17, 18) and deltas ((prev - new) mod 17).
func (w *lzxEnc) lengths(prev, lens []uint8) {
	for _, l := range lzxPreLens {
		w.bits(4, uint32(l))
	}
	pre := lzxPreCodes
	for i := 0; i < len(lens); {
		if lens[i] == 0 {
			r := 0
			for i+r < len(lens) && lens[i+r] == 0 && r < 51 {
				r++
			}
			switch {
			case r >= 20:
				w.bits(5, pre[18])
				w.bits(5, uint32(r-20))
			case r >= 4:
				r = min(r, 19)
				w.bits(5, pre[17])
				w.bits(4, uint32(r-4))
			default:
				r = 1
				d := (int(prev[i]) + 17) % 17
				w.bits(uint(lzxPreLens[d]), pre[d])
			}
			for k := range r {
				prev[i+k] = 0
			}
			i += r
			continue
		}
		d := (int(prev[i]) - int(lens[i]) + 17) % 17
		w.bits(uint(lzxPreLens[d]), pre[d])
		prev[i] = lens[i]
		i++
	}
}

// verbatim starts a verbatim block of size bytes whose main and length
// trees are mainLens and lenLens (LZX:21).
func (w *lzxEnc) verbatim(size int, mainLens, lenLens []uint8) {
	w.bits(3, 1)
	w.bits(24, uint32(size))
	w.lengths(w.mainLens[:256], mainLens[:256])
	w.lengths(w.mainLens[256:], mainLens[256:])
	w.lengths(w.lenLens[:], lenLens)
	w.main, w.length = huffCodes(mainLens), huffCodes(lenLens)
}

func (w *lzxEnc) literal(b byte) {
	w.bits(uint(w.mainLens[b]), w.main[b])
	w.produced(1)
}

// repMatch writes a match of length 9..257 at the repeated offset R0.
func (w *lzxEnc) repMatch(length int) {
	w.bits(uint(w.mainLens[256+7]), w.main[256+7])
	w.bits(uint(w.lenLens[length-9]), w.length[length-9])
	w.produced(length)
}

// lzxOneBitTrees returns main and length trees of one-bit codes: the
// literal lit and R0 matches with the length tree's symbol lenSym.
func lzxOneBitTrees(lit byte, lenSym int) (mainLens, lenLens []uint8) {
	mainLens = make([]uint8, lzxMainSyms21)
	lenLens = make([]uint8, lzxLenSyms)
	mainLens[lit], mainLens[256+7] = 1, 1
	lenLens[0], lenLens[lenSym] = 1, 1 // a complete code: 7-Zip refuses others
	return mainLens, lenLens
}

// lzxBombFolder is an LZX:21 stream with E8 translation on: one literal
// 0xE8, then matches at offset 1 (R0 starts at 1), 127 of 257 bytes and
// one of the rest in each 32 KiB frame (no match crosses a frame's end:
// 7-Zip refuses those), two or three bits each: frames of 32 bytes,
// every output byte an E8 for the translation to look at. blocks
// verbatim blocks of 8 MiB (256 frames) each.
func lzxBombFolder(blocks int) (frames [][]byte, sizes []int, total int) {
	w := newLZXEnc(12_000_000)
	mainLens := make([]uint8, lzxMainSyms21)
	mainLens[0xe8], mainLens[256+7] = 1, 1
	lenLens := make([]uint8, lzxLenSyms)
	lenLens[128-9], lenLens[129-9], lenLens[257-9] = 2, 2, 1
	for b := range blocks {
		w.verbatim(256*lzxFrame, mainLens, lenLens)
		for f := range 256 {
			rest := 129
			if b == 0 && f == 0 {
				w.literal(0xe8)
				rest = 128
			}
			for range 127 {
				w.repMatch(257)
			}
			w.repMatch(rest)
		}
	}
	w.finish()
	return w.frames, w.sizes, w.out
}

// lzxTinyBlocksFolder is an LZX:21 stream of frames made of 512 verbatim
// blocks each: every block rebuilds its three trees (a literal and a
// 63-byte match at R0 = 1, about 60 bytes of input) for 64 bytes of output.
func lzxTinyBlocksFolder(frames int) (out [][]byte, sizes []int, total int) {
	w := newLZXEnc(0)
	mainLens, lenLens := lzxOneBitTrees(0, 63-9)
	for range frames * lzxFrame / 64 {
		w.verbatim(64, mainLens, lenLens)
		w.literal(0)
		w.repMatch(63)
	}
	w.finish()
	return w.frames, w.sizes, w.out
}

// --- Deflate (MSZIP).

// deflateBits writes a deflate bit stream: values low bit first, Huffman
// codes most significant bit first.
type deflateBits struct {
	buf  []byte
	acc  uint64
	nacc uint
}

func (w *deflateBits) bits(n uint, v uint32) {
	w.acc |= uint64(v) << w.nacc
	w.nacc += n
	for w.nacc >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

func (w *deflateBits) code(n uint, c uint32) {
	for i := int(n) - 1; i >= 0; i-- {
		w.bits(1, c>>uint(i)&1)
	}
}

func (w *deflateBits) bytes() []byte {
	if w.nacc > 0 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.nacc = 0, 0
	}
	return w.buf
}

var deflateClOrder = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// tinyDynamic writes a non-final dynamic block holding one zero byte:
// literal/length codes for 0 and end-of-block, one distance code, all one
// bit, coded with a code-length code of 1 and 18: 92 bits.
func (w *deflateBits) tinyDynamic() {
	w.bits(1, 0)
	w.bits(2, 2)
	w.bits(5, 0)  // 257 literal/length codes
	w.bits(5, 0)  // 1 distance code
	w.bits(4, 14) // 18 code-length codes
	for _, s := range deflateClOrder[:18] {
		if s == 1 || s == 18 {
			w.bits(3, 1)
		} else {
			w.bits(3, 0)
		}
	}
	// code-length codes: 1 is "0", 18 is "1"
	w.code(1, 0)      // literal 0: length 1
	w.code(1, 1)      // 18: a run of
	w.bits(7, 138-11) // 138 zeros
	w.code(1, 1)      // and
	w.bits(7, 117-11) // 117 more
	w.code(1, 0)      // end of block: length 1
	w.code(1, 0)      // distance 0: length 1
	w.code(1, 0)      // literal 0
	w.code(1, 1)      // end of block
}

var (
	deflateLenBase  = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	deflateLenExtra = [29]uint{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
)

// fixedMatches writes a final fixed-code block of matches at distance 1
// making n (>= 3) bytes.
func (w *deflateBits) fixedMatches(n int) {
	w.bits(1, 1)
	w.bits(2, 1)
	for n > 0 {
		l := min(n, 258)
		if n-l > 0 && n-l < 3 {
			l = n - 3
		}
		n -= l
		s := 28
		for deflateLenBase[s] > l {
			s--
		}
		sym := 257 + s
		if sym < 280 {
			w.code(7, uint32(sym-256))
		} else {
			w.code(8, uint32(0xc0+sym-280))
		}
		w.bits(deflateLenExtra[s], uint32(l-deflateLenBase[s]))
		w.code(5, 0) // distance 1
	}
	w.code(7, 0) // end of block
}

// mszipTinyBlocksFolder returns MSZIP blocks of 32 KiB each made of tiny
// dynamic blocks of one byte (each rebuilds its tables), 3,300 a block,
// and a final fixed block of matches for the rest.
func mszipTinyBlocksFolder(blocks int) []cabBlockSpec {
	const tiny = 3300
	var w deflateBits
	w.buf = append(w.buf, "CK"...)
	for range tiny {
		w.tinyDynamic()
	}
	w.fixedMatches(cabBlockSize - tiny)
	b := cabBlockSpec{data: w.bytes(), uncomp: cabBlockSize}
	out := make([]cabBlockSpec, blocks)
	for i := range out {
		out[i] = b
	}
	return out
}

// --- Quantum.

// qModel is one of Quantum's adaptive models, as the format describes
// them (see cab/quantum.go).
type qModel struct {
	n         int
	countdown int
	sym, cum  [65]uint16
}

func newQModel(n int) *qModel {
	m := &qModel{n: n, countdown: 4}
	for i := 0; i <= n; i++ {
		m.sym[i], m.cum[i] = uint16(i), uint16(n-i)
	}
	return m
}

func (m *qModel) update(i int) {
	for j := range i {
		m.cum[j] += 8
	}
	if m.cum[0] <= 3800 {
		return
	}
	n := m.n
	if m.countdown--; m.countdown > 0 {
		for i := n - 1; i >= 0; i-- {
			c := m.cum[i] >> 1
			if c <= m.cum[i+1] {
				c = m.cum[i+1] + 1
			}
			m.cum[i] = c
		}
		return
	}
	m.countdown = 50
	var f [64]uint16
	for i := range n {
		f[i] = (m.cum[i] - m.cum[i+1] + 1) >> 1
	}
	for i := 0; i < n-1; i++ {
		for j := i + 1; j < n; j++ {
			if f[i] < f[j] {
				f[i], f[j] = f[j], f[i]
				m.sym[i], m.sym[j] = m.sym[j], m.sym[i]
			}
		}
	}
	var sum uint16
	for i := n - 1; i >= 0; i-- {
		sum += f[i]
		m.cum[i] = sum
	}
}

// qEnc is a Quantum encoder of symbols that take no raw bits: literals
// and matches at offset 1 of lengths 3-10 and 259.
type qEnc struct {
	lit                         [4]*qModel
	pos3, pos4, pos5, len5, sel *qModel
	h, l                        uint32
	pending, shifts             int
	out                         []byte // one bit a byte
}

func newQEnc(windowBits int) *qEnc {
	e := &qEnc{pos3: newQModel(min(2*windowBits, 24)), pos4: newQModel(min(2*windowBits, 36)), pos5: newQModel(2 * windowBits), len5: newQModel(27), sel: newQModel(7)}
	for i := range e.lit {
		e.lit[i] = newQModel(64)
		for k := range 65 {
			e.lit[i].sym[k] += uint16(64 * i)
		}
	}
	return e
}

func (e *qEnc) emit(bit uint32) {
	e.out = append(e.out, byte(bit))
	for ; e.pending > 0; e.pending-- {
		e.out = append(e.out, byte(bit^1))
	}
}

func (e *qEnc) symbol(m *qModel, sym int) {
	i := 1
	for int(m.sym[i-1]) != sym {
		i++
	}
	rng := e.h - e.l + 1
	total := uint32(m.cum[0])
	h := e.l + uint32(m.cum[i-1])*rng/total - 1
	l := e.l + uint32(m.cum[i])*rng/total
	m.update(i)
	for {
		if (l^h)&0x8000 == 0 {
			e.emit(h >> 15)
		} else if l&0x4000 != 0 && h&0x4000 == 0 {
			e.pending++
			l &= 0x3fff
			h |= 0x4000
		} else {
			break
		}
		l = l << 1 & 0xffff
		h = (h<<1 | 1) & 0xffff
		e.shifts++
	}
	e.h, e.l = h, l
}

// frame encodes one block: an optional literal, then matches at offset 1
// filling n bytes.
func (e *qEnc) frame(lit bool, n int) []byte {
	e.h, e.l, e.pending, e.shifts, e.out = 0xffff, 0, 0, 0, e.out[:0]
	if lit {
		e.symbol(e.sel, 0)
		e.symbol(e.lit[0], 0)
		n--
	}
	for n > 0 {
		l := 259
		if n < 259+3 {
			l = min(n, 10)
			if r := n - l; r > 0 && r < 3 {
				l = n - 3
			}
		}
		n -= l
		switch {
		case l == 3:
			e.symbol(e.sel, 4)
			e.symbol(e.pos3, 0)
		case l == 4:
			e.symbol(e.sel, 5)
			e.symbol(e.pos4, 0)
		default:
			e.symbol(e.sel, 6)
			if l == 259 {
				e.symbol(e.len5, 26)
			} else {
				e.symbol(e.len5, l-5)
			}
			e.symbol(e.pos5, 0)
		}
	}
	return e.end()
}

// end ends the frame and returns its bytes.
func (e *qEnc) end() []byte {
	e.pending++
	if e.l < 0x4000 {
		e.emit(0)
	} else {
		e.emit(1)
	}
	// The decoder reads 16 bits ahead of the bits it has shifted out;
	// Microsoft's encoder ends a frame with at least two zero bits after
	// those, then zeros to the byte (as 7-Zip checks).
	for len(e.out)%8 != 0 || len(e.out) < 16+e.shifts+2 {
		e.out = append(e.out, 0)
	}
	b := make([]byte, len(e.out)/8)
	for i, bit := range e.out {
		b[i/8] |= bit << (7 - i%8)
	}
	return b
}

// frameLiterals encodes one block of n literals 0: after a few hundred,
// the adaptive models code each in a few hundredths of a bit (a 32 KiB
// block in 153 bytes), and each is two symbols to decode.
func (e *qEnc) frameLiterals(n int) []byte {
	e.h, e.l, e.pending, e.shifts, e.out = 0xffff, 0, 0, 0, e.out[:0]
	for range n {
		e.symbol(e.sel, 0)
		e.symbol(e.lit[0], 0)
	}
	return e.end()
}

// buildQuantumLiterals embeds one cabinet of Quantum:21 folders (7 at
// 5 MB) of 4,000 blocks of 32 KiB literals 0 each (frameLiterals): 131 MB
// a folder from 0.64 MB, every byte two arithmetic decoding steps, where
// the matches of buildQuantumBomb decode 259 bytes in three.
func buildQuantumLiterals(t testing.TB, scale int) []byte {
	e := newQEnc(21)
	fo := cabFolderSpec{method: 2 | 4<<4 | 21<<8}
	for range 4000 {
		fo.blocks = append(fo.blocks, cabBlockSpec{data: e.frameLiterals(cabBlockSize), uncomp: cabBlockSize})
	}
	folders := make([]cabFolderSpec, scale)
	for i := range folders {
		folders[i] = fo
	}
	return bombPackage(t, "qlit.cab", folders)
}

// buildAssemblyZeros embeds one MSZIP folder of 7,600 blocks of zeros:
// one file of 249 MB, well inside the bound of install's default ratio
// for its 0.46 MB package, the key file of a component with an
// MsiAssembly row. The assembly-names pass (rewrite, audit) held such a
// file in memory to parse it, growing its buffer by doubling: 580 MB.
func buildAssemblyZeros(t testing.TB, _ int) []byte {
	blk := zeroBlock()
	fo := cabFolderSpec{method: cabMSZIP}
	for range 7600 {
		fo.blocks = append(fo.blocks, blk)
	}
	return bombPackage(t, "zeros.cab", []cabFolderSpec{fo})
}

// checkAssemblyZeros: the assembly-names pass leaves the file unread,
// past the size it reads (64 MiB), in budget.
func checkAssemblyZeros(t *testing.T, db *msi.Database) {
	var rep *transform.Report
	var err error
	testenv.CheckBudget(t, "AssemblyNames", func() {
		rep, err = transform.AssemblyNames(db, transform.AssemblyNamesOptions{})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("file f0 is %d bytes, more than the %d this pass reads", 7600*cabBlockSize, 64<<20)
	found := false
	for _, n := range rep.Notes() {
		found = found || strings.Contains(n.Reason, want)
	}
	if !found {
		for _, n := range rep.Notes() {
			t.Logf("note: %+v", n)
		}
		t.Errorf("no note says %q", want)
	}
}

// quantumBombFolder returns Quantum blocks of 32 KiB each, made of
// matches of 259 bytes at offset 1 (after one zero byte).
func quantumBombFolder(windowBits, blocks int) []cabBlockSpec {
	e := newQEnc(windowBits)
	out := make([]cabBlockSpec, blocks)
	for i := range out {
		out[i] = cabBlockSpec{data: e.frame(i == 0, cabBlockSize), uncomp: cabBlockSize}
	}
	return out
}

// lzxFolder turns frames into a folder of method LZX:21.
func lzxFolder(frames [][]byte, sizes []int, _ int) cabFolderSpec {
	fo := cabFolderSpec{method: 3 | 21<<8}
	for i, f := range frames {
		fo.blocks = append(fo.blocks, cabBlockSpec{data: f, uncomp: sizes[i]})
	}
	return fo
}

// folderSize is the output of blocks.
func folderSize(blocks []cabBlockSpec) int {
	n := 0
	for _, b := range blocks {
		n += b.uncomp
	}
	return n
}

// bombPackage embeds one cabinet of folders, each one file of a folder's
// whole output, the key file of a component with an MsiAssembly row (so
// that rewrite's assembly-names pass reads it too).
func bombPackage(t testing.TB, name string, folders []cabFolderSpec) []byte {
	return buildPackage(t, func(p *pkgBuilder) {
		p.row("Directory", str("TARGETDIR"), msi.Value{}, str("SourceDir"))
		c := &cabSpecX{setID: 1, folders: folders}
		for f, fo := range folders {
			key, comp := fmt.Sprintf("f%d", f), fmt.Sprintf("A%d", f)
			size := folderSize(fo.blocks)
			c.files = append(c.files, cabFileEntry{name: key, size: uint32(size), folder: uint16(f)})
			p.row("Component", str(comp), str(""), str("TARGETDIR"), num(0), msi.Value{}, str(key))
			p.file(key, comp, key+".dll", size, f+1)
			p.row("MsiAssembly", str(comp), str("Complete"), msi.Value{}, msi.Value{}, num(0))
		}
		p.cabinet("#"+name, len(folders), c)
	})
}

// bombCab returns a cabinet of folders, each one file of its output.
func bombCab(folders []cabFolderSpec) []byte {
	c := &cabSpecX{setID: 1, folders: folders}
	for f, fo := range folders {
		c.files = append(c.files, cabFileEntry{name: fmt.Sprintf("f%d", f), size: uint32(folderSize(fo.blocks)), folder: uint16(f)})
	}
	return c.bytes()
}

// TestBombEncodersAgainst7zz decodes small cabinets of each encoder with
// msikit's cab reader and with 7-Zip, which must agree on every byte.
func TestBombEncodersAgainst7zz(t *testing.T) {
	sevenZ := testenv.NeedTool(t, "7zz", "7zip")
	lzx := func(frames [][]byte, sizes []int, total int) []cabFolderSpec {
		return []cabFolderSpec{lzxFolder(frames, sizes, total)}
	}
	cases := []struct {
		name    string
		folders []cabFolderSpec
		want    int
	}{
		{"lzx-bomb", lzx(lzxBombFolder(2)), 2 * 256 * lzxFrame},
		{"lzx-tiny", lzx(lzxTinyBlocksFolder(3)), 3 * lzxFrame},
		{"mszip-tiny", []cabFolderSpec{{method: cabMSZIP, blocks: mszipTinyBlocksFolder(3)}}, 3 * cabBlockSize},
		{"quantum-bomb", []cabFolderSpec{{method: 2 | 4<<4 | 21<<8, blocks: quantumBombFolder(21, 8)}}, 8 * cabBlockSize},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := bombCab(c.folders)
			r, err := cab.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			rc, err := r.Files[0].Open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			if err != nil {
				t.Fatalf("msikit: %v after %d bytes", err, len(got))
			}
			if len(got) != c.want {
				t.Errorf("msikit: %d bytes, want %d", len(got), c.want)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "a.cab")
			must(t, os.WriteFile(path, data, 0o644))
			cmd := exec.Command(sevenZ, "x", "-so", path, "f0")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("7zz: %v (%d bytes out)\n%s", err, len(out), stderr.Bytes())
			}
			if !bytes.Equal(out, got) {
				t.Errorf("7zz decodes %d bytes, msikit %d, first difference at %d", len(out), len(got), firstDiffAt(out, got))
			}
			t.Logf("%s: %d bytes of cabinet, %d decoded", c.name, len(data), len(got))
		})
	}
}

func firstDiffAt(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// buildLZXBomb embeds one cabinet of LZX:21 bomb folders (lzxBombFolder),
// one per scale, each one file of 512 MiB (64 blocks of 8 MiB).
func buildLZXBomb(t testing.TB, scale int) []byte {
	var folders []cabFolderSpec
	fo := lzxFolder(lzxBombFolder(64))
	for range scale {
		folders = append(folders, fo)
	}
	return bombPackage(t, "lzxbomb.cab", folders)
}

// buildQuantumBomb embeds one cabinet of Quantum folders (window 2^21) of
// 16,000 blocks of 259-byte matches, two per scale, each one file of
// 500 MiB.
func buildQuantumBomb(t testing.TB, scale int) []byte {
	fo := cabFolderSpec{method: 2 | 4<<4 | 21<<8, blocks: quantumBombFolder(21, 16000)}
	var folders []cabFolderSpec
	for range 2 * scale {
		folders = append(folders, fo)
	}
	return bombPackage(t, "qbomb.cab", folders)
}

// buildLZXTinyBlocks embeds one LZX:21 folder of 30 frames per scale, each
// 512 verbatim blocks that rebuild their trees (lzxTinyBlocksFolder).
func buildLZXTinyBlocks(t testing.TB, scale int) []byte {
	return bombPackage(t, "tiny.cab", []cabFolderSpec{lzxFolder(lzxTinyBlocksFolder(30 * scale))})
}

// buildMSZIPTinyBlocks embeds one MSZIP folder of 24 blocks per scale,
// each 3,300 dynamic deflate blocks of one byte (mszipTinyBlocksFolder).
func buildMSZIPTinyBlocks(t testing.TB, scale int) []byte {
	return bombPackage(t, "tiny.cab", []cabFolderSpec{{method: cabMSZIP, blocks: mszipTinyBlocksFolder(24 * scale)}})
}

// checkBombStops: decoding stops at the default ratio, every file failing
// with an *install.RatioError.
func checkBombStops(t *testing.T, db *msi.Database) { checkMSZIPBomb(t, db) }

// checkTinyBlocks: every file is delivered, all zeros, in budget. The
// fixtures rebuild Huffman tables for every byte or few, by design: the
// MSZIP one decodes 79,200 deflate blocks, about 0.5 s of work, which took
// 1.09 s twice on the 2-core machine shared by five jobs, past the 1 s
// of testenv.TimeBudget. The budget is 3 s (30 s under -race): a decoder
// that rebuilt tables per output byte, or decoded the folder again per
// block, takes minutes.
func checkTinyBlocks(t *testing.T, db *msi.Database) {
	var rep *install.Report
	var err error
	var n, bad int64
	testenv.CheckBudgetOf(t, "Extract", 3*time.Second, testenv.HeapBudget, func() {
		n, bad = 0, 0
		rep, err = install.Extract(db, nil, func(f *install.File, r io.Reader) error {
			b, err := io.ReadAll(r)
			n++
			if int64(len(b)) != f.Size || bytes.Count(b, []byte{0}) != len(b) {
				bad++
			}
			return err
		})
	})
	if err != nil || rep.Problems() || n != 1 || bad != 0 {
		t.Errorf("Extract: %v, %d files, %d not all zeros of their size; report %+v", err, n, bad, rep)
	}
}

// buildTinyBlocksCopies embeds an MSZIP folder of 24 tiny-block blocks
// per scale (mszipTinyBlocksFolder): file a holds all but the last, file
// b the last, and 2,000 more cabinet files (no File rows: extracted
// beside, as a patch's are) point at b's range. Reading a copy decodes
// the folder again from its start: 80,000 deflate blocks with tables for
// 32 KiB of output each time.
func buildTinyBlocksCopies(t testing.TB, scale int) []byte {
	blocks := mszipTinyBlocksFolder(24 * scale)
	n := uint32(len(blocks))
	return buildPackage(t, func(p *pkgBuilder) {
		oneComponent(p)
		c := &cabSpecX{setID: 1, folders: []cabFolderSpec{{method: cabMSZIP, blocks: blocks}}}
		c.files = append(c.files, cabFileEntry{name: "a", size: (n - 1) * cabBlockSize}, cabFileEntry{name: "b", size: cabBlockSize, offset: (n - 1) * cabBlockSize})
		for i := range 2000 {
			c.files = append(c.files, cabFileEntry{name: fmt.Sprint(i), size: cabBlockSize, offset: (n - 1) * cabBlockSize})
		}
		p.file("a", "C", "a.bin", int(n-1)*cabBlockSize, 1)
		p.file("b", "C", "b.bin", cabBlockSize, 2)
		p.cabinet("#tiny.cab", 2, c)
	})
}
