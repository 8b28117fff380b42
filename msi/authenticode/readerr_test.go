package authenticode

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// failingAtReaderAt fails the reads that touch [lo, hi) once *armed.
type failingAtReaderAt struct {
	r      io.ReaderAt
	lo, hi int64
	armed  *bool
}

var errGone = errors.New("disk gone")

func (f failingAtReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if *f.armed && off < f.hi && off+int64(len(p)) > f.lo {
		return 0, errGone
	}
	return f.r.ReadAt(p, off)
}

// TestSignNamesTableOfFailedRead: when the package fails to read under a
// table stream as Sign hashes it, the error names the table, not the
// stream's packed name ("authenticode: reading \"䡀䌏䈯\": disk gone").
func TestSignNamesTableOfFailedRead(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := msi.EncodeStreamName("File", true)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := cfb.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var head []byte
	for _, e := range plain.Root.Children {
		if slices.Equal(e.RawName, raw) {
			s, err := e.Open()
			if err != nil {
				t.Fatal(err)
			}
			head = make([]byte, min(64, e.Size))
			if _, err := s.ReadAt(head, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(head) < 16 || bytes.Count(data, head) != 1 {
		t.Fatalf("the File table's first bytes are not found once in the sample")
	}
	lo := int64(bytes.Index(data, head))
	armed := false
	cf, err := cfb.NewReader(failingAtReaderAt{bytes.NewReader(data), lo, lo + 1, &armed}, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	armed = true
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	err = Sign(context.Background(), io.Discard, cf, &SignOptions{Signer: pki.LeafKey, Certificates: []*x509.Certificate{pki.Leaf, pki.Root}})
	if !errors.Is(err, errGone) || !strings.Contains(err.Error(), "reading table File at offset 0: ") || strings.Contains(err.Error(), string(utf16.Decode(raw))) {
		t.Errorf("Sign: %v; want the table File named, not its packed name, and the cause wrapped", err)
	}
	// Failing as the signed file is written (the package changed after
	// it was hashed): the table is named too.
	err = signPrepared(io.Discard, cf, &prepared{sig: []byte("sig")})
	if !errors.Is(err, errGone) || !strings.HasPrefix(err.Error(), "authenticode: writing table File at offset 0: reading the source: ") {
		t.Errorf("signPrepared: %v; want the table File named and the cause wrapped", err)
	}
	if got := streamLabel(true, raw, "x"); got != "table File" {
		t.Errorf("streamLabel(File table) = %q", got)
	}
	bin, _ := msi.EncodeStreamName("Binary.Icon", false)
	if got := streamLabel(true, bin, "x"); got != `stream "Binary.Icon"` {
		t.Errorf("streamLabel(Binary.Icon) = %q", got)
	}
}
