package cab

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// quantumFolders builds a cabinet of one Quantum folder per payload, the
// folder of payload i compressed with window bits[i%len(bits)], holding
// one file f<i> of the payload.
func quantumFolders(t testing.TB, payloads [][]byte, bits []int) []byte {
	t.Helper()
	c := &tcCab{}
	for i, p := range payloads {
		wb := bits[i%len(bits)]
		blocks, sizes := quantumCompress(t, p, wb, quantumFrameSize)
		fo := tcFolder{method: uint16(methodQuantum | 4<<4 | wb<<8)}
		for k, b := range blocks {
			fo.blocks = append(fo.blocks, tcBlock{data: b, uncomp: sizes[k]})
		}
		c.folders = append(c.folders, fo)
		c.files = append(c.files, tcFile{name: fmt.Sprintf("f%d", i), size: uint32(len(p)), folder: uint16(i)})
	}
	return c.bytes()
}

// A decoder reused for a later Quantum folder, of another window size
// and level, decodes it as a new one would.
func TestQuantumDecoderReusedAcrossWindows(t *testing.T) {
	var payloads [][]byte
	for i := range 12 {
		payloads = append(payloads, quantumSample(3000+i*7000, uint64(i)))
	}
	data := quantumFolders(t, payloads, []int{21, 10, 16, 12, 21, 18})
	r, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range r.Files {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if !bytes.Equal(got, payloads[i]) {
			t.Fatalf("%s: %s", f.Name, firstDiff(payloads[i], got))
		}
	}
}

// Thousands of Quantum folders cost a few windows, not one each: 2,000
// folders of 2 MiB windows allocated 4 GB when each had its own.
func TestManyQuantumFoldersShareWindows(t *testing.T) {
	payloads := make([][]byte, 2000)
	for i := range payloads {
		payloads[i] = []byte(fmt.Sprintf("file %d", i))
	}
	data := quantumFolders(t, payloads, []int{21, 20, 19})
	r, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	testenv.CheckBudget(t, "reading 2,000 Quantum folders", func() {
		for i, f := range r.Files {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, payloads[i]) {
				t.Fatalf("%s: %q, %v", f.Name, got, err)
			}
		}
	})
}

// Readers sharing a DecoderCache share their decoders: 1,000 cabinets of
// one LZX folder each cost a few 4 MiB windows, not one each (4 GB).
func TestDecoderCacheSharedByReaders(t *testing.T) {
	var cabs [][]byte
	for i := range 1000 {
		p := []byte(fmt.Sprintf("cabinet %d", i))
		chunks := lzxUncompressed(0, p)
		c := &tcCab{setID: uint16(i), folders: []tcFolder{{method: methodLZX | 16<<8}}}
		for _, ch := range chunks {
			c.folders[0].blocks = append(c.folders[0].blocks, tcBlock{data: ch, uncomp: len(p)})
		}
		c.files = []tcFile{{name: "f", size: uint32(len(p))}}
		cabs = append(cabs, c.bytes())
	}
	opts := &ReaderOptions{Cache: &DecoderCache{}}
	testenv.CheckBudget(t, "reading 1,000 LZX cabinets", func() {
		for i, data := range cabs {
			r, err := NewReaderOptions(bytes.NewReader(data), int64(len(data)), opts)
			if err != nil {
				t.Fatal(err)
			}
			rc, err := r.Files[0].Open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if want := fmt.Sprintf("cabinet %d", i); err != nil || string(got) != want {
				t.Fatalf("cabinet %d: %q, %v", i, got, err)
			}
		}
	})
}
