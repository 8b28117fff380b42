package cab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
)

// bombCab builds a cabinet of folders MSZIP folders, each one file of
// blocks 32 KiB blocks of zeros, every block the same 50-odd bytes.
func bombCab(folders, blocks int) []byte {
	z := make([]byte, maxBlockSize)
	one := mszipBlocks(z)
	c := &tcCab{}
	for f := range folders {
		fo := tcFolder{method: methodMSZIP}
		for range blocks {
			fo.blocks = append(fo.blocks, one[0])
		}
		c.folders = append(c.folders, fo)
		c.files = append(c.files, tcFile{name: fmt.Sprint("f", f), size: uint32(blocks * maxBlockSize), folder: uint16(f)})
	}
	return c.bytes()
}

// A Limit shared by Readers bounds what they decode together, whichever
// goroutines read, and a file it stops fails with a *LimitError, not a
// format error.
func TestLimitBoundsDecodedBytes(t *testing.T) {
	const blocks = 64
	data := bombCab(4, blocks)
	lim := NewLimit(5*blocks*maxBlockSize/2 + 100) // two and a half folders
	opts := &ReaderOptions{Limit: lim, Cache: &DecoderCache{}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, limited int
	for range 2 { // two Readers of the same bytes, two goroutines each
		r, err := NewReaderOptions(bytes.NewReader(data), int64(len(data)), opts)
		if err != nil {
			t.Fatal(err)
		}
		for half := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, f := range r.Files[2*half : 2*half+2] {
					rc, err := f.Open()
					if err == nil {
						_, err = io.Copy(io.Discard, rc)
						rc.Close()
					}
					mu.Lock()
					switch {
					case err == nil:
						ok++
					case errors.Is(err, ErrLimit) && !errors.Is(err, ErrFormat):
						limited++
					default:
						t.Errorf("%s: %v, want nil or a *LimitError", f.Name, err)
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	// Which files finish depends on how the goroutines interleave; the
	// bytes decoded do not: 160 blocks, no block past the bound.
	if ok > 2 || ok+limited != 8 {
		t.Errorf("%d files read, %d stopped by the limit; want at most 2 and 8 in all", ok, limited)
	}
	if want := int64(5 * blocks * maxBlockSize / 2); lim.Used() != want {
		t.Errorf("Used() = %d, want %d (no block past the bound)", lim.Used(), want)
	}
	var le *LimitError
	r, _ := NewReaderOptions(bytes.NewReader(data), int64(len(data)), opts)
	rc, err := r.Files[3].Open()
	if err == nil {
		_, err = io.Copy(io.Discard, rc)
	}
	if !errors.As(err, &le) || le.Limit != lim.Max() || le.Folder != 3 || le.Offset != 0 {
		t.Errorf("another folder after the limit: %v, want a *LimitError of folder 3 at offset 0", err)
	}
}

// A file read again decodes its folder again, and that counts: copies of
// a range cannot multiply the work past the limit.
func TestLimitCountsRangesReadAgain(t *testing.T) {
	data := bombCab(1, 8)
	r, err := NewReaderOptions(bytes.NewReader(data), int64(len(data)), &ReaderOptions{Limit: NewLimit(20 * maxBlockSize)})
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	for range 3 {
		rc, err := r.Files[0].Open()
		if err == nil {
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
		}
		errs = append(errs, fmt.Sprint(errors.Is(err, ErrLimit)))
	}
	if got := fmt.Sprint(errs); got != "[false false true]" {
		t.Errorf("limit reached on each of three reads: %s, want [false false true]", got)
	}
}

// A byte of a Quantum folder counts QuantumCost against a Limit.
func TestLimitQuantumCost(t *testing.T) {
	payload := quantumSample(100_000, 7)
	data := quantumFolders(t, [][]byte{payload}, []int{16})
	for _, tc := range []struct {
		max  int64
		fail bool
	}{{QuantumCost * int64(len(payload)), false}, {QuantumCost*int64(len(payload)) - 1, true}} {
		r, err := NewReaderOptions(bytes.NewReader(data), int64(len(data)), &ReaderOptions{Limit: NewLimit(tc.max)})
		if err != nil {
			t.Fatal(err)
		}
		rc, err := r.Files[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if tc.fail != errors.Is(err, ErrLimit) || !tc.fail && !bytes.Equal(got, payload) {
			t.Errorf("limit %d: %v, want a *LimitError: %v", tc.max, err, tc.fail)
		}
	}
}

// A block whose stream starts many blocks of its own counts BlockCost for
// each (and for itself) with its compressed bytes, what it decodes to
// when less: a folder of tiny blocks cannot be read again and again for
// the little it decodes to. Past the bound the block is not delivered.
func TestLimitCountsInnerBlocks(t *testing.T) {
	const inner = 100
	payload := []byte("0123456789")
	// MSZIP: 100 empty stored deflate blocks, then a final stored block
	// of the payload.
	mszip := []byte("CK")
	for range inner {
		mszip = append(mszip, 0, 0, 0, 0xff, 0xff)
	}
	mszip = append(mszip, 1, byte(len(payload)), 0, ^byte(len(payload)), 0xff)
	mszip = append(mszip, payload...)
	// LZX: 101 uncompressed blocks of 1 byte (and a pad byte each); an odd
	// payload: the last has none.
	var bytes1 [][]byte
	for _, b := range payload {
		bytes1 = append(bytes1, []byte{b})
	}
	for range inner + 1 - len(payload) {
		bytes1 = append([][]byte{{'0'}}, bytes1...)
	}
	lzx := lzxUncompressed(0, bytes1...)
	lzxWant := append(bytes.Repeat([]byte{'0'}, inner+1-len(payload)), payload...)
	for _, tc := range []struct {
		name   string
		method uint16
		data   []byte
		want   []byte
	}{
		{"mszip", methodMSZIP, mszip, payload},
		{"lzx", methodLZX | 16<<8, lzx[0], lzxWant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(lzx) != 1 {
				t.Fatalf("LZX stream of %d frames, want 1", len(lzx))
			}
			c := &tcCab{folders: []tcFolder{{method: tc.method, blocks: []tcBlock{{data: tc.data, uncomp: len(tc.want)}}}},
				files: []tcFile{{name: "f", size: uint32(len(tc.want))}}}
			data := c.bytes()
			cost := int64(len(tc.data)) + BlockCost*(1+inner+1)
			for _, max := range []int64{cost, cost - 1} {
				lim := NewLimit(max)
				r, err := NewReaderOptions(bytes.NewReader(data), int64(len(data)), &ReaderOptions{Limit: lim})
				if err != nil {
					t.Fatal(err)
				}
				got, err := readBytes(r.Files[0])
				if max == cost {
					if err != nil || !bytes.Equal(got, tc.want) || lim.Used() != cost {
						t.Errorf("limit %d: %q, %v, %d used; want %q, nil, %d used", max, got, err, lim.Used(), tc.want, cost)
					}
					continue
				}
				var le *LimitError
				if !errors.As(err, &le) || len(got) != 0 || lim.Used() >= cost {
					t.Errorf("limit %d: %q, %v, %d used; want nothing and a *LimitError", max, got, err, lim.Used())
				}
			}
		})
	}
}

// quantumLiteralBlocks returns n Quantum blocks of 32 KiB of literals of
// one value, which the adaptive models soon code in a few hundredths of
// a bit each (about 150 bytes a block): two symbols a byte, each an
// arithmetic decoding step, ten times the work a byte of long matches is.
func quantumLiteralBlocks(t testing.TB, n int) [][]byte {
	e := newQuantumEncoder(t, 21)
	ops := make([]quantumOp, quantumFrameSize)
	for i := range ops {
		ops[i] = quantumOp{lit: 'x'}
	}
	var blocks [][]byte
	for range n {
		b, err := e.block(ops)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, b)
	}
	return blocks
}

// A Quantum block of literals counts QuantumSymbolCost for each of its
// symbols (two a byte), not QuantumCost a byte: counted by its bytes, a
// 5 MB package of such blocks decoded for 2.1 s before the bound of
// install's default ratio stopped it.
func TestLimitQuantumSymbols(t *testing.T) {
	blocks := quantumLiteralBlocks(t, 3)
	fo := tcFolder{method: uint16(methodQuantum | 4<<4 | 21<<8)}
	for _, b := range blocks {
		fo.blocks = append(fo.blocks, tcBlock{data: b, uncomp: quantumFrameSize})
	}
	data := (&tcCab{folders: []tcFolder{fo}, files: []tcFile{{name: "f", size: 3 * quantumFrameSize}}}).bytes()
	if len(data) > 3*200+200 {
		t.Fatalf("a cabinet of %d bytes: the literals do not code in a few hundredths of a bit", len(data))
	}
	want := bytes.Repeat([]byte{'x'}, 3*quantumFrameSize)
	cost := int64(3 * 2 * quantumFrameSize * QuantumSymbolCost)
	for _, max := range []int64{cost, cost - 1} {
		lim := NewLimit(max)
		r, err := NewReaderOptions(bytes.NewReader(data), int64(len(data)), &ReaderOptions{Limit: lim})
		if err != nil {
			t.Fatal(err)
		}
		got, err := readBytes(r.Files[0])
		if max == cost {
			if err != nil || !bytes.Equal(got, want) || lim.Used() != cost {
				t.Errorf("limit %d: %d bytes, %v, %d used; want %d bytes, nil, %d used", max, len(got), err, lim.Used(), len(want), cost)
			}
			continue
		}
		// The last block passes the bound once its symbols are counted
		// (its bytes were, before it was decoded): it is not delivered.
		var le *LimitError
		used := cost*2/3 + QuantumCost*quantumFrameSize
		if !errors.As(err, &le) || le.Offset != 2*quantumFrameSize || len(got) != 2*quantumFrameSize || lim.Used() != used {
			t.Errorf("limit %d: %d bytes, %v, %d used; want %d bytes, a *LimitError at offset %d, %d used", max, len(got), err, lim.Used(), 2*quantumFrameSize, 2*quantumFrameSize, used)
		}
	}
}

// BenchmarkQuantumLiterals decodes Quantum blocks of literals of one
// value (two symbols a byte) and, for comparison, blocks of long
// matches: the time per symbol QuantumSymbolCost stands for.
func BenchmarkQuantumLiterals(b *testing.B) {
	blocks := quantumLiteralBlocks(b, 32)
	dst := make([]byte, quantumFrameSize)
	b.SetBytes(int64(len(blocks) * quantumFrameSize))
	for b.Loop() {
		d, err := newDecompressor(uint16(methodQuantum | 21<<8))
		if err != nil {
			b.Fatal(err)
		}
		for _, src := range blocks {
			if err := d.decode(dst, src); err != nil {
				b.Fatal(err)
			}
		}
	}
}
