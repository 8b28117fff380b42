package msi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/msikit/msikit/internal/testenv"
)

// bounded runs f and fails if it takes more than a second (scaled under
// the race detector, tried twice) or grows the heap by more than 64 MiB
// (the safety budget for adversarial input). f must be repeatable.
func bounded(t *testing.T, f func()) {
	t.Helper()
	testenv.CheckBudget(t, t.Name(), f)
}

// Hostile inputs to the summary information, cabinet header and IDT
// parsers fail fast, with little memory, and with the right error.
func TestAdversarialInputsBounded(t *testing.T) {
	t.Run("suminfo counts", func(t *testing.T) {
		b := make([]byte, 28+20+8)
		binary.LittleEndian.PutUint16(b, 0xFFFE)
		binary.LittleEndian.PutUint32(b[24:], 1)
		copy(b[28:], fmtidSummaryInformation[:])
		binary.LittleEndian.PutUint32(b[44:], 48)
		binary.LittleEndian.PutUint32(b[48:], 8)
		binary.LittleEndian.PutUint32(b[52:], 0xFFFFFFFF) // property count
		bounded(t, func() {
			if _, err := ParseSummaryInfo(b); !errors.Is(err, ErrFormat) {
				t.Errorf("err = %v", err)
			}
		})
	})
	t.Run("suminfo huge stream", func(t *testing.T) {
		bounded(t, func() {
			_, err := readSummaryInfo(bytes.NewReader(nil), 1<<40)
			if !errors.Is(err, ErrFormat) {
				t.Errorf("err = %v", err)
			}
		})
	})
	t.Run("cabinet claims", func(t *testing.T) {
		h := cabBytes(4, nil, "", "", 255)
		binary.LittleEndian.PutUint16(h[26:], 0xFFFF) // folders
		bounded(t, func() {
			// The stream claims to be 1 TiB but holds 40 bytes.
			_, err := ReadCabHeader(bytes.NewReader(h), 1<<40, "x.cab")
			if !errors.Is(err, ErrFormat) {
				t.Errorf("err = %v", err)
			}
		})
	})
	t.Run("idt endless line", func(t *testing.T) {
		db := openSample(t)
		bounded(t, func() {
			r := io.MultiReader(strings.NewReader("A\r\ns0\r\nT\tA\r\n"), &repeatReader{b: 'x', n: 64 << 20})
			_, err := db.ImportIDT(r, nil)
			var ie *IDTError
			if !errors.As(err, &ie) {
				t.Errorf("err = %v, want *IDTError", err)
			}
		})
	})
	t.Run("idt many columns", func(t *testing.T) {
		db := openSample(t)
		names := strings.Repeat("c\t", 100000) + "c"
		types := strings.Repeat("s0\t", 100000) + "s0"
		bounded(t, func() {
			if _, err := db.ImportIDT(strings.NewReader(names+"\r\n"+types+"\r\nT\tc\r\n"), nil); err == nil {
				t.Error("a table of 100,001 columns was accepted")
			}
		})
	})
}

type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.n)
	for i := range p[:n] {
		p[i] = r.b
	}
	r.n -= n
	return n, nil
}

// Binary cells whose stream names would escape the export folder are
// refused, and nothing is written outside it.
func TestExportRefusesUnsafeNames(t *testing.T) {
	db := openSample(t)
	idt := "Name\tData\r\ns72\tv0\r\nEvil\tName\r\nx\\..\\..\\y\tf.bin\r\n"
	files := fstest.MapFS{"Evil/f.bin": &fstest.MapFile{Data: []byte("payload")}}
	if _, err := db.ImportIDT(strings.NewReader(idt), files); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := db.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	db2, err := NewDatabase(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "export")
	os.Mkdir(dir, 0o777)
	if err := db2.ExportIDTDir(dir, "Evil"); err == nil {
		t.Error("an unsafe binary cell name was written as a file")
	}
	// Only the export folder may have been touched.
	ents, _ := os.ReadDir(root)
	if len(ents) != 1 {
		t.Errorf("files appeared beside the export folder: %v", ents)
	}
	// The text export (no files) still works and shows the name.
	var text bytes.Buffer
	if err := db2.ExportIDT(&text, "Evil", nil); err != nil || !strings.Contains(text.String(), `Evil.x\..\..\y`) {
		t.Errorf("text export: %v\n%s", err, text.String())
	}
}
