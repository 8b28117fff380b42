package cfb

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFATSectorOrder moves FAT sectors around in a valid file (swapping two
// and reversing a range, with the header's DIFAT updated to match) and
// checks the reader, which reads runs of consecutive FAT sectors at once,
// sees the same content whatever the order and the run length.
func TestFATSectorOrder(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, nil)
	for i, size := range []int64{3 << 20, 700 << 10, 100} {
		name := string(rune('a' + i))
		if err := w.CreateFrom(name, pattern{size: size, seed: byte(i + 1), fill: true}, size); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	orig := buf.Bytes()
	want := snapshot(t, mustRead(t, orig))

	le := binary.LittleEndian
	numFAT := int(le.Uint32(orig[0x2C:]))
	if numFAT < 12 || numFAT > headerDIFAT {
		t.Fatalf("fixture has %d FAT sectors, want 12 to %d (all listed in the header)", numFAT, headerDIFAT)
	}
	const secSize = 512
	secs := make([]uint32, numFAT)
	for i := range secs {
		secs[i] = le.Uint32(orig[0x4C+4*i:])
	}
	// moved returns a copy of orig whose i-th FAT sector is stored where
	// the perm[i]-th was.
	moved := func(perm []int) []byte {
		b := bytes.Clone(orig)
		for i, j := range perm {
			dst := (int(secs[j]) + 1) * secSize
			src := (int(secs[i]) + 1) * secSize
			copy(b[dst:dst+secSize], orig[src:src+secSize])
			le.PutUint32(b[0x4C+4*i:], secs[j])
		}
		return b
	}
	identity := make([]int, numFAT)
	for i := range identity {
		identity[i] = i
	}
	swapped := append([]int(nil), identity...)
	swapped[0], swapped[5] = swapped[5], swapped[0]
	reversed := append([]int(nil), identity...)
	for i, j := 2, 10; i < j; i, j = i+1, j-1 {
		reversed[i], reversed[j] = reversed[j], reversed[i]
	}
	defer func(old int) { fatReadMax = old }(fatReadMax)
	for _, runMax := range []int{1 << 20, 3 * secSize, secSize} {
		fatReadMax = runMax
		for name, perm := range map[string][]int{"identity": identity, "swapped": swapped, "reversed": reversed} {
			data := moved(perm)
			if name != "identity" && bytes.Equal(data, orig) {
				t.Fatalf("%s: permutation left the file unchanged", name)
			}
			r := mustRead(t, data)
			if len(r.Warnings) != 0 {
				t.Errorf("run %d, %s: warnings %q", runMax, name, r.Warnings)
			}
			if diff := cmp.Diff(want, snapshot(t, r)); diff != "" {
				t.Errorf("run %d, %s: content differs (-want +got):\n%s", runMax, name, diff)
			}
		}
	}
}
