package cfb

import (
	"bytes"
	"io"
	"sync"
	"testing"
)

// TestStreamAccess checks Read, Seek and ReadAt (including concurrent
// ReadAt) on a fragmented stream, a mini stream and an empty stream.
func TestStreamAccess(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, nil)
	want := map[string][]byte{}
	for i, size := range []int64{0, 1, 63, 64, 65, 4095, 4096, 100000} {
		name := string(rune('a' + i))
		want[name] = make([]byte, size)
		pattern{size: size, seed: byte(i), fill: true}.ReadAt(want[name], 0)
		if err := w.CreateFrom(name, bytes.NewReader(want[name]), size); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := mustRead(t, buf.Bytes())
	for name, data := range want {
		t.Run(name, func(t *testing.T) {
			e := r.Lookup(name)
			s, err := e.Open()
			if err != nil {
				t.Fatal(err)
			}
			if s.Size() != int64(len(data)) {
				t.Fatalf("Size %d, want %d", s.Size(), len(data))
			}
			// Seek to the middle, read the rest.
			mid := int64(len(data) / 2)
			if pos, err := s.Seek(mid, io.SeekStart); err != nil || pos != mid {
				t.Fatalf("Seek: %d, %v", pos, err)
			}
			rest, err := io.ReadAll(s)
			if err != nil || !bytes.Equal(rest, data[mid:]) {
				t.Fatalf("read after seek: %d bytes, %v", len(rest), err)
			}
			if pos, _ := s.Seek(-1, io.SeekEnd); len(data) > 0 && pos != int64(len(data))-1 {
				t.Errorf("Seek from end: %d", pos)
			}
			if _, err := s.Seek(-1, io.SeekStart); err == nil {
				t.Error("negative position accepted")
			}
			// ReadAt past the end, and a read crossing the end.
			if n, err := s.ReadAt(make([]byte, 1), int64(len(data))); n != 0 || err != io.EOF {
				t.Errorf("ReadAt at end: %d, %v", n, err)
			}
			if len(data) > 0 {
				b := make([]byte, 10)
				n, err := s.ReadAt(b, int64(len(data))-1)
				if n != 1 || err != io.EOF || b[0] != data[len(data)-1] {
					t.Errorf("ReadAt across end: %d, %v", n, err)
				}
			}
			// Concurrent ReadAt of different chunk sizes.
			var wg sync.WaitGroup
			for g := 1; g <= 4; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					chunk := make([]byte, 37*g)
					for off := int64(0); off < int64(len(data)); off += int64(len(chunk)) {
						n, err := s.ReadAt(chunk, off)
						if err != nil && err != io.EOF {
							t.Errorf("ReadAt(%d): %v", off, err)
							return
						}
						if !bytes.Equal(chunk[:n], data[off:off+int64(n)]) {
							t.Errorf("ReadAt(%d) returned wrong bytes", off)
							return
						}
					}
				}()
			}
			wg.Wait()
			// A second Open is independent of the first one's offset.
			s2, _ := e.Open()
			all, _ := io.ReadAll(s2)
			if !bytes.Equal(all, data) {
				t.Error("second Open does not start at 0")
			}
		})
	}
	if _, err := r.Root.Open(); err == nil {
		t.Error("opening the root as a stream succeeded")
	}
}
