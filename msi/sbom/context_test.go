package sbom

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// cancelReaderAt cancels a context on its first read, as a deadline
// passing while Read hashes the package and decodes its cabinets would.
type cancelReaderAt struct {
	io.ReaderAt
	once   sync.Once
	cancel context.CancelFunc
}

func (c *cancelReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.once.Do(c.cancel)
	return c.ReaderAt.ReadAt(p, off)
}

// ReadContext stops once its context is done: the MSZIP bomb's 0.5 GB
// file, without a decoding bound, is not read to its end, and no
// inventory is returned, whether the context is cancelled before the
// cabinet is opened or while it is decoded (the package file is hashed
// on another goroutine, which cancels it here).
func TestReadContext(t *testing.T) {
	path := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-mszip-bomb.msi")
	db, err := msi.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inv, err := ReadContext(ctx, db, &Options{MaxRatio: -1, Package: &cancelReaderAt{ReaderAt: f, cancel: cancel}, PackageSize: fi.Size()})
	if inv != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadContext: inventory %v, err %v; want none and an error matching context.Canceled", inv != nil, err)
	}
	var se *install.StopError
	var ie *cab.InterruptError
	if errors.As(err, &ie) && (!errors.As(err, &se) || se.Key != "zeros0") {
		t.Errorf("stopped while decoding, but %v does not name File zeros0", err)
	}
}

// A context done before ReadContext starts: nothing is read, and the
// error matches a cause that does not wrap context.Canceled as well as
// context.Canceled.
func TestReadContextDone(t *testing.T) {
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	why := errors.New("budget spent")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(why)
	inv, err := ReadContext(ctx, db, nil)
	if inv != nil || !errors.Is(err, why) || !errors.Is(err, context.Canceled) {
		t.Errorf("ReadContext: inventory %v, err %v; want none and an error matching %v and context.Canceled", inv != nil, err, why)
	}
}
