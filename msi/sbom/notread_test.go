package sbom

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/msikit/msikit/msi/install"
)

// notReadCause is an error whose text is one string, so that writing it
// allocates nothing that lives on.
type notReadCause struct{}

var notReadText = strings.Repeat("the cabinet is gone; ", 4)

func (notReadCause) Error() string { return notReadText }

// heapPeak is an io.Writer noting the live heap, after a collection,
// at each write (the document's 64 KiB buffer flushing).
type heapPeak struct{ peak uint64 }

func (h *heapPeak) Write(p []byte) (int, error) {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	h.peak = max(h.peak, m.HeapAlloc)
	return len(p), nil
}

// notReadWriteHeld bounds the heap WriteSPDX holds, beyond the
// inventory, per file not read, which the package's comment names: it
// measured 17 bytes (the files' slots in the list of SPDX identifiers);
// 124 when the comment held a property per file, its value the path and
// ": " joined.
const notReadWriteHeld = 40

// TestSPDXNotReadWrittenAsMade writes the SPDX document of 50,000 files
// not read: the package's comment names each, made as it is written.
func TestSPDXNotReadWrittenAsMade(t *testing.T) {
	const n = 50000
	inv := &Inventory{Package: Package{Name: "p"}}
	for i := range n {
		inv.Files = append(inv.Files, &File{
			File:    install.File{Key: fmt.Sprintf("f%d", i), Path: fmt.Sprintf("Program Files/p/f%d.txt", i)},
			ReadErr: notReadCause{},
		})
	}
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	h := &heapPeak{}
	if err := inv.WriteSPDX(h, nil); err != nil {
		t.Fatal(err)
	}
	held := int64(h.peak) - int64(m.HeapAlloc)
	per := max(held, 0) / n
	t.Logf("%d files not read: %d bytes held while writing, %d per file", n, held, per)
	if per > notReadWriteHeld {
		t.Errorf("writing holds %d bytes per file not read, want at most %d", per, notReadWriteHeld)
	}
	runtime.KeepAlive(inv)
}
