package cab

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
)

// ---------------------------------------------------------------------------
// A test-only Quantum encoder. It exists to build inputs the decoder must
// accept or reject (matches before the start of the data, matches past the
// end of a block, windows of every size, many blocks), independently of the
// one real Quantum cabinet in the corpus. It shares the model code with the
// decoder, so agreement with it proves round-tripping only; correctness is
// checked against real data in TestQuantumCorpus, and against 7-Zip, an
// independent decoder, on the encoder's output in
// TestQuantumEncoderAgainst7zz.

// quantumOp is one LZ step: a literal (length 0) or a match.
type quantumOp struct {
	lit    byte
	length int // 0 for a literal, else 3..259
	offset int // 1.. for a match
}

type quantumEncoder struct {
	m *quantumDecompressor // models only

	h, l    uint32
	pending int
	shifts  int
	coder   []byte // coder output bits, one per byte
	raws    []quantumRaw
}

// quantumRaw is a run of raw bits the decoder reads once it has taken `at`
// coder bits (its 16-bit look-ahead plus one per renormalising shift).
type quantumRaw struct {
	at int
	n  uint
	v  uint32
}

func newQuantumEncoder(t testing.TB, windowBits int) *quantumEncoder {
	t.Helper()
	d, err := newQuantumDecompressor(1, windowBits)
	if err != nil {
		t.Fatal(err)
	}
	return &quantumEncoder{m: d.(*quantumDecompressor)}
}

func (e *quantumEncoder) emit(bit uint32) {
	e.coder = append(e.coder, byte(bit))
	for ; e.pending > 0; e.pending-- {
		e.coder = append(e.coder, byte(bit^1))
	}
}

func (e *quantumEncoder) symbol(m *quantumModel, sym int) error {
	i := -1
	for k := 0; k < m.n; k++ {
		if int(m.sym[k]) == sym {
			i = k + 1
			break
		}
	}
	if i < 0 {
		return fmt.Errorf("symbol %d not in a model of %d entries", sym, m.n)
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
		l = (l << 1) & 0xffff
		h = (h<<1 | 1) & 0xffff
		e.shifts++
	}
	e.h, e.l = h, l
	return nil
}

func (e *quantumEncoder) raw(n uint, v uint32) {
	if n > 0 {
		e.raws = append(e.raws, quantumRaw{at: 16 + e.shifts, n: n, v: v})
	}
}

// quantumSlot returns the slot whose range (base[slot] and up) holds v, and
// v's offset from that base.
func quantumSlot(base []uint32, v int) (int, uint32) {
	for s := len(base) - 1; s >= 0; s-- {
		if uint32(v) >= base[s] {
			return s, uint32(v) - base[s]
		}
	}
	return 0, 0
}

func (e *quantumEncoder) op(o quantumOp) error {
	m := e.m
	if o.length == 0 {
		sel := int(o.lit >> 6)
		if err := e.symbol(&m.selector, sel); err != nil {
			return err
		}
		return e.symbol(&m.literal[sel], int(o.lit))
	}
	slot, extra := quantumSlot(quantumPosBase[:], o.offset-1)
	var pm *quantumModel
	switch {
	case o.length == 3:
		pm = &m.match[0]
		if err := e.symbol(&m.selector, 4); err != nil {
			return err
		}
	case o.length == 4:
		pm = &m.match[1]
		if err := e.symbol(&m.selector, 5); err != nil {
			return err
		}
	case o.length >= 5 && o.length <= 259:
		pm = &m.match[2]
		if err := e.symbol(&m.selector, 6); err != nil {
			return err
		}
		lbase := make([]uint32, len(quantumLenBase))
		for i, b := range quantumLenBase {
			lbase[i] = uint32(b)
		}
		ls, lx := quantumSlot(lbase, o.length-5)
		if err := e.symbol(&m.length, ls); err != nil {
			return err
		}
		e.raw(uint(quantumLenExtra[ls]), lx)
	default:
		return fmt.Errorf("match length %d", o.length)
	}
	if err := e.symbol(pm, slot); err != nil {
		return err
	}
	e.raw(uint(quantumPosExtra[slot]), extra)
	return nil
}

// block encodes ops as one frame and returns its bytes.
func (e *quantumEncoder) block(ops []quantumOp) ([]byte, error) {
	e.h, e.l, e.pending, e.shifts, e.coder, e.raws = 0xffff, 0, 0, 0, nil, nil
	for _, o := range ops {
		if err := e.op(o); err != nil {
			return nil, err
		}
	}
	// Flush: two bits that put the code value inside [L, H].
	e.pending++
	if e.l < 0x4000 {
		e.emit(0)
	} else {
		e.emit(1)
	}
	// The decoder has taken 16 bits ahead of its shifts when the block's
	// last symbol is decoded. Microsoft's encoder ends a frame with at
	// least two more zero bits, then zeros to the next byte: every block
	// of the corpus's Quantum cabinet leaves 2 to 9 zero bits after the
	// look-ahead, and 7-Zip refuses a block that does not end so
	// (TestQuantumEncoderAgainst7zz).
	need := 16 + e.shifts + 2
	if n := len(e.raws); n > 0 && e.raws[n-1].at > need {
		need = e.raws[n-1].at
	}
	for len(e.coder) < need {
		e.coder = append(e.coder, 0)
	}
	var bits []byte
	r := 0
	for j := 0; j <= len(e.coder); j++ {
		for ; r < len(e.raws) && e.raws[r].at == j; r++ {
			for k := int(e.raws[r].n) - 1; k >= 0; k-- {
				bits = append(bits, byte(e.raws[r].v>>k&1))
			}
		}
		if j < len(e.coder) {
			bits = append(bits, e.coder[j])
		}
	}
	out := make([]byte, (len(bits)+7)/8)
	for i, b := range bits {
		out[i/8] |= b << (7 - i%8)
	}
	return out, nil
}

// quantumCompress is a small greedy LZ compressor over the test encoder,
// cutting data into blocks of blockSize bytes (the last may be shorter).
func quantumCompress(t testing.TB, data []byte, windowBits, blockSize int) (blocks [][]byte, sizes []int) {
	t.Helper()
	e := newQuantumEncoder(t, windowBits)
	window := 1 << windowBits
	head := map[uint32]int{} // last position of each 3-byte prefix
	for start := 0; start < len(data); start += blockSize {
		end := min(start+blockSize, len(data))
		var ops []quantumOp
		for p := start; p < end; {
			best, bestOff := 0, 0
			if p+3 <= end {
				key := uint32(data[p]) | uint32(data[p+1])<<8 | uint32(data[p+2])<<16
				if q, ok := head[key]; ok && p-q <= window {
					n := 0
					for p+n < end && n < 259 && data[q+n] == data[p+n] {
						n++
					}
					off := p - q
					// Respect what each match kind can express.
					if n == 3 && off > 4096 || n == 4 && off > 262144 {
						n = 0
					}
					if n == 3 && 2*windowBits < 24 || n == 4 && 2*windowBits < 36 {
						if s, _ := quantumSlot(quantumPosBase[:], off-1); s >= 2*windowBits {
							n = 0
						}
					}
					best, bestOff = n, off
				}
			}
			if best >= 3 {
				ops = append(ops, quantumOp{length: best, offset: bestOff})
			} else {
				ops, best = append(ops, quantumOp{lit: data[p]}), 1
			}
			for k := p; k < p+best && k+3 <= len(data); k++ {
				head[uint32(data[k])|uint32(data[k+1])<<8|uint32(data[k+2])<<16] = k
			}
			p += best
		}
		b, err := e.block(ops)
		if err != nil {
			t.Fatal(err)
		}
		blocks, sizes = append(blocks, b), append(sizes, end-start)
	}
	return blocks, sizes
}

// quantumDecodeAll decodes blocks with one decompressor, in order.
func quantumDecodeAll(windowBits int, blocks [][]byte, sizes []int) ([]byte, error) {
	d, err := newQuantumDecompressor(1, windowBits)
	if err != nil {
		return nil, err
	}
	var out []byte
	for i, src := range blocks {
		dst := make([]byte, sizes[i])
		if err := d.decode(dst, src); err != nil {
			return out, fmt.Errorf("block %d: %w", i, err)
		}
		out = append(out, dst...)
	}
	return out, nil
}

// quantumSample returns n bytes of compressible text-like data.
func quantumSample(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	words := strings.Fields("the quick brown fox jumps over lazy dog cabinet folder Quantum window frame model symbol literal match offset length \x00\x01\xfe\xff MSCF")
	var b bytes.Buffer
	for b.Len() < n {
		if r.IntN(50) == 0 {
			for k := r.IntN(40); k > 0; k-- {
				b.WriteByte(byte(r.Uint32()))
			}
		}
		b.WriteString(words[r.IntN(len(words))])
		b.WriteByte(" \n\t,"[r.IntN(4)])
	}
	return b.Bytes()[:n]
}

// ---------------------------------------------------------------------------
// Synthetic tests (no corpus needed).

// quantumCase is a round trip through the test encoder: data cut into
// blocks of blockSize bytes, in a window of 2^windowBits.
type quantumCase struct {
	name       string
	data       []byte
	windowBits int
	blockSize  int
}

// quantumCases are the round trips TestQuantumRoundTrip decodes with
// msikit's decoder and TestQuantumEncoderAgainst7zz with 7-Zip's.
func quantumCases() []quantumCase {
	random := make([]byte, 70000)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	return []quantumCase{
		{"text/w10/wraps", quantumSample(100000, 1), 10, quantumFrameSize},
		{"text/w15", quantumSample(80000, 2), 15, quantumFrameSize},
		{"text/w16/short-blocks", quantumSample(30000, 3), 16, 1000},
		{"text/w21", quantumSample(100000, 4), 21, quantumFrameSize},
		{"text/w19/far-matches", quantumSample(300000, 5), 19, quantumFrameSize},
		{"zeros/w12/long-matches", make([]byte, 100000), 12, quantumFrameSize},
		{"random/w18", random, 18, quantumFrameSize},
		{"one-byte/w10", []byte{0x42}, 10, quantumFrameSize},
		{"all-bytes/w14", func() []byte {
			b := make([]byte, 0, 256*40)
			for k := 0; k < 40; k++ {
				for i := 0; i < 256; i++ {
					b = append(b, byte(i*k))
				}
			}
			return b
		}(), 14, 4096},
	}
}

func TestQuantumRoundTrip(t *testing.T) {
	tests := quantumCases()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks, sizes := quantumCompress(t, tt.data, tt.windowBits, tt.blockSize)
			got, err := quantumDecodeAll(tt.windowBits, blocks, sizes)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Fatalf("round trip differs: %s", firstDiff(tt.data, got))
			}
			// The window carries across blocks: decoding the second block
			// with a fresh decoder must not reproduce it when it refers back.
			if len(blocks) > 1 && tt.name != "random/w18" {
				fresh, err := quantumDecodeAll(tt.windowBits, blocks[1:2], sizes[1:2])
				if err == nil && bytes.Equal(fresh, tt.data[sizes[0]:sizes[0]+sizes[1]]) {
					t.Errorf("block 1 decoded alone matched: test does not exercise carried state")
				}
			}
		})
	}
}

// TestQuantumEncoderAgainst7zz has 7-Zip, an independent decoder, decode
// the test encoder's round trips (each a cabinet of one folder and one
// file): it must give back the data byte for byte. So the encoder writes
// Quantum as Microsoft's tools do, and TestQuantumRoundTrip's agreement
// with msikit's decoder is more than the encoder agreeing with itself.
// 7-Zip refuses a folder with more than one block of less than 32 KiB of
// output, which real cabinets never make (only a folder's last block is
// shorter): the cases of short blocks are left out.
func TestQuantumEncoderAgainst7zz(t *testing.T) {
	sevenZ := testenv.NeedTool(t, "7zz", "7zip")
	dir := t.TempDir()
	for _, tt := range quantumCases() {
		if tt.blockSize < quantumFrameSize && len(tt.data) > tt.blockSize {
			continue // several short blocks
		}
		t.Run(tt.name, func(t *testing.T) {
			blocks, sizes := quantumCompress(t, tt.data, tt.windowBits, tt.blockSize)
			f := tcFolder{method: methodQuantum | uint16(tt.windowBits)<<8}
			for i := range blocks {
				f.blocks = append(f.blocks, tcBlock{data: blocks[i], uncomp: sizes[i]})
			}
			c := &tcCab{folders: []tcFolder{f}, files: []tcFile{{name: "data.bin", size: uint32(len(tt.data))}}}
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, "/", "-")+".cab")
			if err := os.WriteFile(p, c.bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd := exec.Command(sevenZ, "x", "-so", p)
			cmd.Stderr = &stderr
			got, err := cmd.Output()
			if err != nil {
				t.Fatalf("7zz: %v (%d of %d bytes out)\n%s", err, len(got), len(tt.data), stderr.Bytes())
			}
			if !bytes.Equal(got, tt.data) {
				t.Fatalf("7-Zip's decoding differs: %s", firstDiff(tt.data, got))
			}
		})
	}
}

func firstDiff(want, got []byte) string {
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			return fmt.Sprintf("first difference at byte %d (want %#02x, got %#02x); lengths %d, %d", i, want[i], got[i], len(want), len(got))
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(want), len(got))
}

func TestQuantumWindowBits(t *testing.T) {
	for _, wb := range []int{-1, 0, 9, 22, 31} {
		t.Run(strconv.Itoa(wb), func(t *testing.T) {
			d, err := newQuantumDecompressor(1, wb)
			if !errors.Is(err, ErrFormat) || d != nil {
				t.Fatalf("newQuantumDecompressor(1, %d) = %v, %v; want nil and ErrFormat", wb, d, err)
			}
		})
	}
	for wb := quantumMinWindowBits; wb <= quantumMaxWindowBits; wb++ {
		d, err := newQuantumDecompressor(1, wb)
		if err != nil {
			t.Fatalf("window bits %d: %v", wb, err)
		}
		q := d.(*quantumDecompressor)
		got := []int{len(q.window), q.match[0].n, q.match[1].n, q.match[2].n, q.length.n, q.selector.n}
		want := []int{1 << wb, min(2*wb, 24), min(2*wb, 36), 2 * wb, 27, 7}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("window bits %d: sizes (-want +got):\n%s", wb, diff)
		}
	}
	// Through the folder dispatch: typeCompress carries level and window.
	d, err := newDecompressor(methodQuantum | 4<<4 | 21<<8)
	if err != nil {
		t.Fatal(err)
	}
	if q, ok := d.(*quantumDecompressor); !ok || len(q.window) != 1<<21 {
		t.Fatalf("newDecompressor(Quantum, window 21) = %T", d)
	}
}

func TestQuantumTables(t *testing.T) {
	// The tables are built by rule in init; pin them against the values
	// written out in the format description.
	wantPos := []uint32{0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768,
		1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768, 49152, 65536, 98304,
		131072, 196608, 262144, 393216, 524288, 786432, 1048576, 1572864}
	wantPosExtra := []uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10,
		11, 11, 12, 12, 13, 13, 14, 14, 15, 15, 16, 16, 17, 17, 18, 18, 19, 19}
	wantLen := []uint16{0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 18, 22, 26, 30, 38, 46, 54, 62, 78, 94, 110,
		126, 158, 190, 222, 254}
	wantLenExtra := []uint8{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	for _, c := range []struct {
		name      string
		want, got any
	}{
		{"position base", wantPos, quantumPosBase[:]},
		{"position extra", wantPosExtra, quantumPosExtra[:]},
		{"length base", wantLen, quantumLenBase[:]},
		{"length extra", wantLenExtra, quantumLenExtra[:]},
	} {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

// checkBounded runs f and fails if it takes 1 s or more (scaled under the
// race detector, tried twice) or allocates 64 MiB or more. f must start
// from fresh state each call.
func checkBounded(t *testing.T, f func()) {
	t.Helper()
	testenv.CheckBudget(t, t.Name(), f)
}

func TestQuantumCorrupt(t *testing.T) {
	enc := func(windowBits int, prefix [][]quantumOp, ops []quantumOp) [][]byte {
		e := newQuantumEncoder(t, windowBits)
		var out [][]byte
		for _, p := range append(prefix, ops) {
			b, err := e.block(p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	}
	lits := func(s string) []quantumOp {
		var ops []quantumOp
		for i := 0; i < len(s); i++ {
			ops = append(ops, quantumOp{lit: s[i]})
		}
		return ops
	}
	good := enc(16, nil, append(lits("abcdefgh"), quantumOp{length: 200, offset: 8}))[0]
	junk := make([]byte, 4000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range junk {
		junk[i] = byte(r.Uint32())
	}

	tests := []struct {
		name       string
		windowBits int
		blocks     [][]byte
		sizes      []int
		wantMsg    string // substring of the error; "" = any ErrFormat
	}{
		{"match before start", 16, enc(16, nil, append(lits("ab"), quantumOp{length: 3, offset: 5})), []int{5}, "before the start"},
		{"long match before start", 16, enc(16, nil, append(lits("ab"), quantumOp{length: 40, offset: 3})), []int{42}, "before the start"},
		{"match before start in 2nd block", 10, enc(10, [][]quantumOp{lits("xyz")}, []quantumOp{{length: 4, offset: 4}}), []int{3, 4}, "before the start"},
		{"match past block end", 16, enc(16, nil, append(lits("abcd"), quantumOp{length: 10, offset: 4})), []int{8}, "past the end of the block"},
		{"truncated to half", 16, [][]byte{good[:len(good)/2]}, []int{208}, "truncated"},
		{"truncated to 1 byte", 16, [][]byte{good[:1]}, []int{208}, "truncated"},
		{"empty input", 16, [][]byte{{}}, []int{100}, "truncated"},
		{"nil input, full frame", 21, [][]byte{nil}, []int{quantumFrameSize}, "truncated"},
		{"output over 32 KiB", 16, [][]byte{good}, []int{quantumFrameSize + 1}, "32 KiB"},
		{"zeros", 16, [][]byte{make([]byte, 100)}, []int{quantumFrameSize}, ""},
		{"0xFF bytes", 16, [][]byte{bytes.Repeat([]byte{0xff}, 100)}, []int{quantumFrameSize}, ""},
		{"random bytes", 21, [][]byte{junk}, []int{quantumFrameSize}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkBounded(t, func() {
				d, err := newQuantumDecompressor(3, tt.windowBits)
				if err != nil {
					t.Fatal(err)
				}
				for i, src := range tt.blocks {
					// Guard bytes after dst must stay untouched.
					buf := bytes.Repeat([]byte{0xA5}, tt.sizes[i]+64)
					err = d.decode(buf[:tt.sizes[i]], src)
					if !bytes.Equal(buf[tt.sizes[i]:], bytes.Repeat([]byte{0xA5}, 64)) {
						t.Fatalf("block %d: decode wrote past len(dst)", i)
					}
					if err != nil {
						break
					}
				}
				if err == nil {
					t.Fatalf("decode succeeded, want error")
				}
				var fe *FormatError
				if !errors.Is(err, ErrFormat) || !errors.As(err, &fe) {
					t.Fatalf("error %v (%T) is not a *FormatError matching ErrFormat", err, err)
				}
				if !strings.Contains(err.Error(), tt.wantMsg) || !strings.HasPrefix(err.Error(), "cab: Quantum: ") {
					t.Fatalf("error %q, want \"cab: Quantum: ...%s...\"", err, tt.wantMsg)
				}
				// The error sticks: the models no longer match the encoder's.
				if err2 := d.decode(make([]byte, 208), good); err2 != err {
					t.Fatalf("decode after an error = %v, want the first error again", err2)
				}
			})
		})
	}

	// The valid block itself decodes, so the failures above are the
	// corruption's doing.
	got, err := quantumDecodeAll(16, [][]byte{good}, []int{208})
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte("abcdefgh" + strings.Repeat("abcdefgh", 25)); !bytes.Equal(got, want) {
		t.Fatalf("valid block: got %q", got)
	}
}

func TestQuantumTruncated(t *testing.T) {
	data := quantumSample(3000, 11)
	blocks, sizes := quantumCompress(t, data, 16, quantumFrameSize)
	good := blocks[0]
	for cut := 0; cut <= len(good); cut++ {
		if cut > 32 && cut%16 != 0 && cut != len(good) {
			continue // every small cut, then a sample of larger ones
		}
		d, err := newQuantumDecompressor(1, 16)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, sizes[0])
		err = d.decode(got, good[:len(good)-cut])
		switch {
		case cut == 0 && err != nil:
			t.Fatalf("whole block: %v", err)
		case cut == 0 && !bytes.Equal(got, data):
			t.Fatalf("whole block: %s", firstDiff(data, got))
		case err != nil && !errors.Is(err, ErrFormat):
			t.Fatalf("cut %d bytes: error %v does not match ErrFormat", cut, err)
		case err == nil && cut > quantumMaxOverread+1:
			// Past the allowance (and the last, partly used byte) the
			// decoder must notice the missing input.
			t.Fatalf("cut %d of %d bytes: no error", cut, len(good))
		}
	}
	// An empty block yields nothing and leaves the state alone.
	d, _ := newQuantumDecompressor(1, 16)
	if err := d.decode(nil, []byte{1, 2, 3}); err != nil {
		t.Fatalf("empty block: %v", err)
	}
	got := make([]byte, sizes[0])
	if err := d.decode(got, good); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("block after an empty one: %v, %s", err, firstDiff(data, got))
	}
}

// ---------------------------------------------------------------------------
// Real data: the Quantum cabinets embedded in corpus packages, checked
// against the packages' own File and MsiFileHash tables and the PE
// checksums of the extracted executables.

// rawCab is a cabinet parsed just far enough to feed blocks to a decoder.
type rawCab struct {
	folders []rawFolder
	files   []rawFile
}

type rawFolder struct {
	typeCompress uint16
	blocks       [][]byte
	sizes        []int
}

type rawFile struct {
	name         string
	folder       int
	offset, size int
}

// parseRawCab reads one self-contained cabinet, collecting the data blocks
// of its Quantum folders only (test helper; the input is trusted corpus
// data, but slicing is checked anyway).
func parseRawCab(b []byte) (*rawCab, error) {
	le := binary.LittleEndian
	if len(b) < 36 || string(b[:4]) != "MSCF" {
		return nil, errors.New("not a cabinet")
	}
	at := func(off, n int) ([]byte, error) {
		if off < 0 || n < 0 || off+n > len(b) {
			return nil, fmt.Errorf("cabinet truncated at %d", off)
		}
		return b[off : off+n], nil
	}
	flags := le.Uint16(b[30:])
	nFolders, nFiles := int(le.Uint16(b[26:])), int(le.Uint16(b[28:]))
	off, folderRes, dataRes := 36, 0, 0
	if flags&4 != 0 {
		r, err := at(36, 4)
		if err != nil {
			return nil, err
		}
		folderRes, dataRes = int(r[2]), int(r[3])
		off = 40 + int(le.Uint16(r))
	}
	for _, f := range []uint16{1, 2} { // previous / next cabinet names
		if flags&f != 0 {
			for k := 0; k < 2; k++ {
				i := bytes.IndexByte(b[min(off, len(b)):], 0)
				if i < 0 {
					return nil, errors.New("unterminated cabinet name")
				}
				off += i + 1
			}
		}
	}
	c := &rawCab{}
	for i := 0; i < nFolders; i++ {
		h, err := at(off, 8)
		if err != nil {
			return nil, err
		}
		off += 8 + folderRes
		f := rawFolder{typeCompress: le.Uint16(h[6:])}
		p := int(le.Uint32(h))
		for k := 0; f.isQuantum() && k < int(le.Uint16(h[4:])); k++ {
			dh, err := at(p, 8)
			if err != nil {
				return nil, err
			}
			src, err := at(p+8+dataRes, int(le.Uint16(dh[4:])))
			if err != nil {
				return nil, err
			}
			f.blocks = append(f.blocks, src)
			f.sizes = append(f.sizes, int(le.Uint16(dh[6:])))
			p += 8 + dataRes + len(src)
		}
		c.folders = append(c.folders, f)
	}
	off = int(le.Uint32(b[16:]))
	for i := 0; i < nFiles; i++ {
		h, err := at(off, 16)
		if err != nil {
			return nil, err
		}
		n := bytes.IndexByte(b[min(off+16, len(b)):], 0)
		if n < 0 {
			return nil, errors.New("unterminated file name")
		}
		c.files = append(c.files, rawFile{
			name:   string(b[off+16 : off+16+n]),
			folder: int(le.Uint16(h[8:])),
			offset: int(le.Uint32(h[4:])),
			size:   int(le.Uint32(h)),
		})
		off += 16 + n + 1
	}
	return c, nil
}

func (f *rawFolder) isQuantum() bool { return f.typeCompress&0xf == methodQuantum }

// decode decodes the whole folder.
func (f *rawFolder) decode() ([]byte, error) {
	d, err := newDecompressor(f.typeCompress)
	if err != nil {
		return nil, err
	}
	var out []byte
	for i, src := range f.blocks {
		dst := make([]byte, f.sizes[i])
		if err := d.decode(dst, src); err != nil {
			return out, fmt.Errorf("block %d: %w", i, err)
		}
		out = append(out, dst...)
	}
	return out, nil
}

// quantumPackage is a corpus package with an embedded Quantum cabinet.
type quantumPackage struct {
	path string
	cabs []*rawCab // embedded cabinets that have a Quantum folder
	raw  [][]byte  // their bytes
}

// quantumCorpus finds every corpus package with an embedded Quantum cabinet.
func quantumCorpus(t testing.TB) []quantumPackage {
	t.Helper()
	var pkgs []quantumPackage
	for _, path := range testenv.CorpusFiles(t) {
		if testenv.IsCorrupt(path) {
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := f.Stat()
		r, err := cfb.NewReader(f, fi.Size())
		if err != nil {
			f.Close()
			continue // not a compound file, or one the cfb tests cover
		}
		var p quantumPackage
		for _, e := range r.Entries() {
			if e.IsDir() || e.Size < 36 {
				continue
			}
			s, err := e.Open()
			if err != nil {
				continue
			}
			var magic [4]byte
			if _, err := s.ReadAt(magic[:], 0); err != nil || string(magic[:]) != "MSCF" {
				continue
			}
			b := make([]byte, e.Size)
			if _, err := s.ReadAt(b, 0); err != nil {
				t.Fatalf("%s: stream %q: %v", path, e.Name, err)
			}
			c, err := parseRawCab(b)
			if err != nil {
				// Odd cabinets are the reader's tests' business; a lost
				// Quantum one is caught below.
				t.Logf("%s: stream %q: %v", filepath.Base(path), e.Name, err)
				continue
			}
			for _, fo := range c.folders {
				if fo.isQuantum() {
					p.cabs, p.raw = append(p.cabs, c), append(p.raw, b)
					break
				}
			}
		}
		f.Close()
		if len(p.cabs) > 0 {
			p.path = path
			pkgs = append(pkgs, p)
		}
	}
	if len(pkgs) == 0 {
		// The corpus documents one (winerunner-msxml6_x64.msi); losing it
		// would silently turn this test into a no-op.
		if _, err := os.Stat(filepath.Join(testenv.CorpusDir(), "real", "winerunner-msxml6_x64.msi")); err == nil {
			t.Fatal("winerunner-msxml6_x64.msi is in the corpus but no Quantum cabinet was found in it")
		}
		t.Skip("no corpus package with a Quantum cabinet")
	}
	return pkgs
}

// msiTable runs `msiinfo export` and returns the rows of table, keyed by
// the first column, each as a map from column name to value.
func msiTable(t *testing.T, msiinfo, path, table string) map[string]map[string]string {
	t.Helper()
	out, err := testenv.Command(t, msiinfo, "export", path, table).Output()
	if err != nil {
		t.Fatalf("msiinfo export %s %s: %v", filepath.Base(path), table, err)
	}
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(out), "\r\n", "\n"), "\n"), "\n")
	if len(lines) < 3 {
		t.Fatalf("msiinfo export %s %s: %d lines, want the 3 header lines at least", filepath.Base(path), table, len(lines))
	}
	names := strings.Split(lines[0], "\t")
	rows := map[string]map[string]string{}
	for _, line := range lines[3:] { // after names, types, table and keys
		cols := strings.Split(line, "\t")
		row := map[string]string{}
		for i, v := range cols {
			if i < len(names) {
				row[names[i]] = v
			}
		}
		rows[cols[0]] = row
	}
	return rows
}

// peChecksum computes the PE image checksum of b (the field itself taken
// as zero), and returns it with the stored value; ok is false when b is
// not a PE image with a stored checksum.
func peChecksum(b []byte) (computed, stored uint32, ok bool) {
	if len(b) < 0x40 || string(b[:2]) != "MZ" {
		return 0, 0, false
	}
	pe := int(binary.LittleEndian.Uint32(b[0x3c:]))
	field := pe + 24 + 64
	if pe < 0 || field+4 > len(b) || string(b[pe:pe+4]) != "PE\x00\x00" {
		return 0, 0, false
	}
	stored = binary.LittleEndian.Uint32(b[field:])
	if stored == 0 {
		return 0, 0, false
	}
	var sum uint64
	for i := 0; i+1 < len(b); i += 2 {
		if i == field || i == field+2 {
			continue
		}
		sum += uint64(binary.LittleEndian.Uint16(b[i:]))
		sum = sum&0xffff + sum>>16
	}
	if len(b)%2 == 1 {
		sum += uint64(b[len(b)-1])
		sum = sum&0xffff + sum>>16
	}
	return uint32(sum) + uint32(len(b)), stored, true
}

// quantumOracle checks extracted files against a package's own tables:
// File.FileSize for every file, MsiFileHash MD5s where listed, and the PE
// checksum of executables that carry one.
type quantumOracle struct {
	t                               *testing.T
	fileRows, hashRows              map[string]map[string]string
	files, sized, hashed, pechecked int
}

func newQuantumOracle(t *testing.T, path string) *quantumOracle {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	return &quantumOracle{
		t:        t,
		fileRows: msiTable(t, msiinfo, path, "File"),
		hashRows: msiTable(t, msiinfo, path, "MsiFileHash"),
	}
}

// check verifies one extracted file; the cabinet's file name is the File key.
func (o *quantumOracle) check(name string, data []byte) {
	t := o.t
	t.Helper()
	o.files++
	row, ok := o.fileRows[name]
	if !ok {
		t.Errorf("%s: no File row", name)
		return
	}
	if want, err := strconv.Atoi(row["FileSize"]); err != nil || want != len(data) {
		t.Errorf("%s: %d bytes, File.FileSize %q", name, len(data), row["FileSize"])
	}
	o.sized++
	if h, ok := o.hashRows[name]; ok {
		var want [16]byte
		for k := 0; k < 4; k++ {
			v, err := strconv.ParseInt(h[fmt.Sprintf("HashPart%d", k+1)], 10, 32)
			if err != nil {
				t.Fatalf("MsiFileHash %s: %v", name, err)
			}
			binary.LittleEndian.PutUint32(want[4*k:], uint32(int32(v)))
		}
		if got := md5.Sum(data); got != want {
			t.Errorf("%s: MD5 %x, MsiFileHash says %x", name, got, want)
		}
		o.hashed++
	}
	if got, want, ok := peChecksum(data); ok {
		if got != want {
			t.Errorf("%s: PE checksum %#x, header says %#x", name, got, want)
		}
		o.pechecked++
	}
}

// done requires every file to have been checked by size and by content.
func (o *quantumOracle) done() {
	o.t.Helper()
	o.t.Logf("%d Quantum files: %d FileSize, %d MsiFileHash MD5, %d PE checksum checks", o.files, o.sized, o.hashed, o.pechecked)
	if o.files == 0 || o.sized != o.files || o.hashed+o.pechecked != o.files {
		o.t.Errorf("only %d of %d files checked by size and %d by content", o.sized, o.files, o.hashed+o.pechecked)
	}
}

// TestQuantumCorpus decodes the Quantum folders block by block, straight
// through the decompressor.
func TestQuantumCorpus(t *testing.T) {
	for _, p := range quantumCorpus(t) {
		t.Run(filepath.Base(p.path), func(t *testing.T) {
			o := newQuantumOracle(t, p.path)
			for _, c := range p.cabs {
				folders := make([][]byte, len(c.folders))
				for i := range c.folders {
					if !c.folders[i].isQuantum() {
						continue
					}
					out, err := c.folders[i].decode()
					if err != nil {
						t.Fatalf("folder %d: %v", i, err)
					}
					folders[i] = out
				}
				for _, f := range c.files {
					if f.folder >= len(folders) || folders[f.folder] == nil {
						continue
					}
					out := folders[f.folder]
					if f.offset+f.size > len(out) {
						t.Errorf("%s: extends past its folder's data (%d+%d > %d)", f.name, f.offset, f.size, len(out))
						continue
					}
					o.check(f.name, out[f.offset:f.offset+f.size])
				}
			}
			o.done()
		})
	}
}

// TestQuantumCorpusFrameEnds checks the fact the test encoder's frame end
// rests on (see quantum.go), on every block of the corpus's Quantum
// cabinets: after the decoder's 16 bits of look-ahead, 2 to 9 bits are
// left in the block, all zero.
func TestQuantumCorpusFrameEnds(t *testing.T) {
	for _, p := range quantumCorpus(t) {
		t.Run(filepath.Base(p.path), func(t *testing.T) {
			left := map[int]int{}
			for _, c := range p.cabs {
				for _, f := range c.folders {
					if !f.isQuantum() {
						continue
					}
					dec, err := newDecompressor(f.typeCompress)
					if err != nil {
						t.Fatal(err)
					}
					d := dec.(*quantumDecompressor)
					for i, src := range f.blocks {
						if err := d.decode(make([]byte, f.sizes[i]), src); err != nil {
							t.Fatalf("block %d: %v", i, err)
						}
						taken := (d.pos+d.overrun)*8 - int(d.nbits)
						n := len(src)*8 - taken
						left[n]++
						for k := max(taken, 0); k < len(src)*8; k++ {
							if src[k/8]>>(7-k%8)&1 != 0 {
								t.Errorf("block %d: bit %d of the %d after the look-ahead is 1", i, k-taken, n)
								break
							}
						}
					}
				}
			}
			if len(left) == 0 {
				t.Fatal("no Quantum block")
			}
			for n, blocks := range left {
				if n < 2 || n > 9 {
					t.Errorf("%d blocks leave %d bits after the look-ahead, want 2 to 9", blocks, n)
				}
			}
			t.Logf("bits left after the look-ahead: %v (bits: blocks)", left)
		})
	}
}

// TestQuantumCorpusReader reads the same files through the public API:
// NewReader and File.Open.
func TestQuantumCorpusReader(t *testing.T) {
	for _, p := range quantumCorpus(t) {
		t.Run(filepath.Base(p.path), func(t *testing.T) {
			o := newQuantumOracle(t, p.path)
			for _, raw := range p.raw {
				r, err := NewReader(bytes.NewReader(raw), int64(len(raw)))
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range r.Files {
					if f.Folder() == nil || f.Folder().Method.Kind() != methodQuantum {
						continue
					}
					rc, err := f.Open()
					if err != nil {
						t.Fatalf("%s: %v", f.Name, err)
					}
					data, err := io.ReadAll(rc)
					rc.Close()
					if err != nil {
						t.Fatalf("%s: %v", f.Name, err)
					}
					o.check(f.Name, data)
				}
			}
			o.done()
		})
	}
}

// TestQuantumCorpusCorrupt damages real blocks: every outcome must be a
// FormatError or a fully written block, within the time and memory bounds.
func TestQuantumCorpusCorrupt(t *testing.T) {
	pkgs := quantumCorpus(t)
	var folder *rawFolder
	for i := range pkgs[0].cabs[0].folders {
		if pkgs[0].cabs[0].folders[i].isQuantum() {
			folder = &pkgs[0].cabs[0].folders[i]
			break
		}
	}
	n := min(len(folder.blocks), 4)
	r := rand.New(rand.NewPCG(3, 4))
	d0, err := newDecompressor(folder.typeCompress)
	if err != nil {
		t.Fatal(err)
	}
	good := d0.(*quantumDecompressor) // state after blocks 0..b-1
	for b := 0; b < n; b++ {
		src := folder.blocks[b]
		flipped := bytes.Clone(src)
		for k := 0; k < 20; k++ {
			flipped[r.IntN(len(flipped))] ^= byte(1 << r.IntN(8))
		}
		want := make([]byte, folder.sizes[b])
		{
			d := good.clone()
			if err := d.decode(want, src); err != nil {
				t.Fatalf("block %d: %v", b, err)
			}
		}
		for _, c := range []struct {
			name      string
			bad       []byte
			truncated bool
		}{
			{"half", src[:len(src)/2], true},
			{"short by 8", src[:max(len(src)-8, 0)], true},
			{"bit flips", flipped, false},
		} {
			t.Run(fmt.Sprintf("block%d/%s", b, c.name), func(t *testing.T) {
				got := make([]byte, folder.sizes[b])
				var err error
				checkBounded(t, func() { d := good.clone(); err = d.decode(got, c.bad) })
				switch {
				case err != nil && !errors.Is(err, ErrFormat):
					t.Fatalf("error %v does not match ErrFormat", err)
				case err == nil && c.truncated:
					t.Fatalf("truncated block decoded without error")
				case err == nil && bytes.Equal(got, want):
					t.Fatalf("damaged block decoded to the original")
				}
			})
		}
		if err := good.decode(make([]byte, folder.sizes[b]), src); err != nil {
			t.Fatal(err)
		}
	}
}

// clone returns an independent copy of the decoder's state.
func (d *quantumDecompressor) clone() *quantumDecompressor {
	c := *d
	c.window = bytes.Clone(d.window)
	return &c
}

// ---------------------------------------------------------------------------
// Fuzzing and benchmarks.

// FuzzQuantum decodes two blocks with one decoder: any input must give a
// FormatError or fully written blocks, never a panic, a hang or a write past
// len(dst).
func FuzzQuantum(f *testing.F) {
	for i, wb := range []int{10, 15, 21} {
		blocks, sizes := quantumCompress(f, quantumSample(3000, uint64(i)), wb, 1500)
		f.Add(uint8(wb-10), uint16(sizes[0]), uint16(sizes[1]), blocks[0], blocks[1])
	}
	f.Add(uint8(5), uint16(100), uint16(100), []byte{}, []byte{0xff})
	f.Fuzz(func(t *testing.T, wb uint8, n1, n2 uint16, b1, b2 []byte) {
		// Per-input deadline and heap ceiling, as for the other targets.
		testenv.CheckFuzzBudget(t, len(b1)+len(b2), func() {
			windowBits := quantumMinWindowBits + int(wb)%(quantumMaxWindowBits-quantumMinWindowBits+1)
			d, err := newQuantumDecompressor(1, windowBits)
			if err != nil {
				t.Fatal(err)
			}
			for _, blk := range []struct {
				n   int
				src []byte
			}{{int(n1) % (quantumFrameSize + 1), b1}, {int(n2) % (quantumFrameSize + 1), b2}} {
				buf := make([]byte, blk.n+8)
				err := d.decode(buf[:blk.n], blk.src)
				if !bytes.Equal(buf[blk.n:], make([]byte, 8)) {
					t.Fatal("decode wrote past len(dst)")
				}
				if err != nil {
					if !errors.Is(err, ErrFormat) {
						t.Fatalf("error %v does not match ErrFormat", err)
					}
					return
				}
			}
		})
	})
}

func BenchmarkQuantumDecode(b *testing.B) {
	type input struct {
		name string
		f    rawFolder
	}
	var inputs []input
	blocks, sizes := quantumCompress(b, quantumSample(1<<20, 9), 21, quantumFrameSize)
	inputs = append(inputs, input{"synthetic-text-1MiB", rawFolder{typeCompress: methodQuantum | 21<<8, blocks: blocks, sizes: sizes}})
	if testenv.CorpusDir() != "" {
		for _, p := range quantumCorpus(b) {
			for ci, c := range p.cabs {
				for fi, f := range c.folders {
					if f.isQuantum() {
						inputs = append(inputs, input{fmt.Sprintf("%s-cab%d-folder%d", filepath.Base(p.path), ci, fi), f})
					}
				}
			}
		}
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			total := 0
			for _, s := range in.f.sizes {
				total += s
			}
			b.SetBytes(int64(total))
			b.ReportAllocs()
			dst := make([]byte, quantumFrameSize)
			for b.Loop() {
				d, err := newDecompressor(in.f.typeCompress)
				if err != nil {
					b.Fatal(err)
				}
				for i, src := range in.f.blocks {
					if err := d.decode(dst[:in.f.sizes[i]], src); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
