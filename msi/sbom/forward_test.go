package sbom

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/assembly"
	"github.com/msikit/msikit/internal/assembly/asmtest"
	"github.com/msikit/msikit/internal/testenv"
)

// TestForwardReads reads through a forward reader in the patterns PE and
// cabinet parsers use and checks every read against the data, which
// errors come back, and that the sink gets every byte once, in order.
func TestForwardReads(t *testing.T) {
	const size = 1 << 20
	data := make([]byte, size)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	type read struct {
		off     int64
		n       int
		wantErr error // nil: the read must succeed and match data
	}
	H, B := int64(forwardHead), int64(forwardBack)
	tests := []struct {
		name  string
		reads []read
	}{
		{"head, again and again", []read{{0, 64, nil}, {0x3c, 4, nil}, {0x80, 24, nil}, {0, 64, nil}}},
		{"forward skips", []read{{0, 64, nil}, {H + 10, 100, nil}, {3 * H, 16, nil}, {size - 16, 16, nil}}},
		{"re-read within the back window", []read{{H + 5000, 4096, nil}, {H + 6000, 4096, nil}, {H + 5000, 100, nil}}},
		{"back window after a long skip", []read{{5 * H, 16, nil}, {5*H - B + 16, int(B - 16), nil}}},
		{"read spanning head and stream", []read{{H - 10, 20, nil}, {H - 10, 20, nil}}},
		{"large read, then its tail", []read{{2 * H, 3 * forwardBack, nil}, {2*H + 3*B - 100, 100, nil}, {2*H + 3*B - B, 50, nil}}},
		{"large read, then before its tail", []read{{2 * H, 3 * forwardBack, nil}, {2 * H, 10, errBehind}}},
		{"behind the window", []read{{8 * H, 16, nil}, {2 * H, 16, errBehind}}},
		{"head after skipping far", []read{{size - 1, 1, nil}, {16, 16, nil}}},
		{"past the end", []read{{size - 8, 16, io.EOF}, {size, 1, io.EOF}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := sha256.New()
			buf := make([]byte, 3*forwardHead)
			fw := newForward(iotest.HalfReader(bytes.NewReader(data)), size, sink, buf)
			for _, r := range tt.reads {
				p := make([]byte, r.n)
				n, err := fw.ReadAt(p, r.off)
				if !errors.Is(err, r.wantErr) {
					t.Fatalf("ReadAt(%d bytes at %d): error %v, want %v", r.n, r.off, err, r.wantErr)
				}
				if r.wantErr == errBehind {
					continue
				}
				end := min(r.off+int64(r.n), size)
				if n != int(end-r.off) || !bytes.Equal(p[:n], data[r.off:end]) {
					t.Fatalf("ReadAt(%d bytes at %d): %d bytes, not the data", r.n, r.off, n)
				}
			}
			if err := fw.drain(buf[forwardHead:]); err != nil {
				t.Fatal(err)
			}
			if got, want := sink.Sum(nil), sha256.Sum256(data); !bytes.Equal(got, want[:]) {
				t.Error("the sink did not get the data once, in order")
			}
		})
	}
}

// TestForwardShortStream checks that a stream ending before its size is
// an error, from the head, from a read and from drain.
func TestForwardShortStream(t *testing.T) {
	data := make([]byte, 3*forwardHead)
	for _, tt := range []struct {
		name string
		have int
		read int64 // offset read before drain, or -1
	}{
		{"in the head", 100, -1},
		{"in a read", 2 * forwardHead, 2*forwardHead + 10},
		{"in drain", 2*forwardHead + 7, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fw := newForward(bytes.NewReader(data[:tt.have]), int64(len(data)), io.Discard, nil)
			if tt.read >= 0 {
				if _, err := fw.ReadAt(make([]byte, 16), tt.read); !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("ReadAt: %v, want io.ErrUnexpectedEOF", err)
				}
			}
			if err := fw.drain(make([]byte, 4096)); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("drain: %v, want io.ErrUnexpectedEOF", err)
			}
		})
	}
}

// inspectSeeds are PE images and cabinets for FuzzInspect (small: the
// fuzzer mutates and minimizes large inputs slowly) and, last, a PE image
// whose metadata and resource lie past the head, for TestInspectSeeds.
func inspectSeeds() [][]byte {
	s := asmtest.Spec{Machine: assembly.MachineI386, CorFlags: assembly.FlagILOnly, Name: "Seed", Ver: [4]uint16{1, 2, 3, 4},
		Fills: []asmtest.Fill{{Table: 0, Rows: 1, RowSize: 10}}}
	s.FileVersion = &[4]uint16{1, 2, 3, 4}
	s.VersionStrings = [][2]string{{"CompanyName", "Contoso"}}
	s.Translations = []uint32{0x04b00409}
	pe := asmtest.BuildPE(s)
	// The same image with 200 KiB of padding in front of its section, so
	// that the metadata and the resource lie past the head.
	padded := padSection(pe, 200<<10)
	cabinet := storedCabinet([]cabEntry{{"a.txt", []byte("hello")}, {"b.bin", make([]byte, 700)}})
	return [][]byte{pe, cabinet, padded}
}

// FuzzInspect is a differential target: reading a file in one forward
// pass (as Read does while hashing it) must give what random access over
// the whole file gives, unless the file points backwards (errBehind), and
// the hashes must be the file's.
func FuzzInspect(f *testing.F) {
	seeds := inspectSeeds()
	for _, s := range seeds[:len(seeds)-1] {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		testenv.CheckFuzzBudget(t, len(b), func() {
			r := &reader{budget: MaxNestedFiles}
			sink := sha256.New()
			fw := newForward(bytes.NewReader(b), int64(len(b)), sink, nil)
			c := r.inspect(fw, int64(len(b)))
			if err := fw.drain(make([]byte, 4096)); err != nil {
				t.Fatal(err)
			}
			if got, want := sink.Sum(nil), sha256.Sum256(b); !bytes.Equal(got, want[:]) {
				t.Fatal("hash differs from the data's")
			}
			behind := func(errs ...error) bool {
				for _, e := range errs {
					if errors.Is(e, errBehind) {
						return true
					}
				}
				return false
			}
			if c.pe != nil && behind(c.pe.VersionErr, c.pe.DotNetErr) || behind(c.peErr, c.nestedErr) {
				return
			}
			ref := referenceOf(b)
			if diff := cmp.Diff(ref.pe, c.pe, errText); diff != "" {
				t.Fatalf("PE (-whole +forward):\n%s", diff)
			}
			if diff := cmp.Diff(ref.peErr, c.peErr, errText); diff != "" {
				t.Fatalf("PE error (-whole +forward):\n%s", diff)
			}
			if diff := cmp.Diff(ref.nested, c.nested); diff != "" {
				t.Fatalf("cabinet (-whole +forward):\n%s", diff)
			}
		})
	})
}

// TestInspectSeeds runs the differential check on the seeds, so that it
// runs without -fuzz too, and checks that the padded image really is
// read past the head.
func TestInspectSeeds(t *testing.T) {
	seeds := inspectSeeds()
	for i, b := range seeds {
		r := &reader{budget: MaxNestedFiles}
		fw := newForward(bytes.NewReader(b), int64(len(b)), io.Discard, nil)
		c := r.inspect(fw, int64(len(b)))
		ref := referenceOf(b)
		if diff := cmp.Diff(ref.pe, c.pe, errText); diff != "" {
			t.Errorf("seed %d: PE (-whole +forward):\n%s", i, diff)
		}
		if diff := cmp.Diff(ref.nested, c.nested); diff != "" {
			t.Errorf("seed %d: cabinet (-whole +forward):\n%s", i, diff)
		}
		if i != 1 && (c.pe == nil || c.pe.DotNet == nil || c.pe.Version == nil || c.pe.Version.String("CompanyName") != "Contoso") {
			t.Errorf("seed %d: PE %+v, want an assembly with a version resource", i, c.pe)
		}
	}
	if len(seeds[2]) < 200<<10 {
		t.Fatal("padded seed is not padded")
	}
}
