package install_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// blockSize is a CFDATA block's most output: how far decoding may go
// after the context is done.
const blockSize = 32 << 10

func openCrafted(t *testing.T, name string) *msi.Database {
	t.Helper()
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// checkStopped checks that err is the *install.StopError of file key,
// stopped while its folder was being decoded at most one block past
// offset, and that it matches context.Canceled.
func checkStopped(t *testing.T, err error, key string, offset int64) {
	t.Helper()
	var se *install.StopError
	var ie *cab.InterruptError
	if !errors.As(err, &se) || !errors.Is(err, context.Canceled) || !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an *install.StopError wrapping a *cab.InterruptError and context.Canceled", err)
	}
	if se.Key != key || ie.Offset < offset || ie.Offset > offset+blockSize {
		t.Errorf("stopped at File %q, folder offset %d; want File %q, offset %d to %d", se.Key, ie.Offset, key, offset, offset+blockSize)
	}
}

// A context cancelled while a file is read stops decoding within a
// block: the reader fails with the cause (the callback here ignores that
// and returns nil, as a callback recording a failure may), no further
// block is decoded, and ExtractContext returns a *StopError. The 0.5 GB
// file of the MSZIP bomb, without the context, decodes to the bound of
// MaxRatio (356 MB).
func TestExtractContextStopsFile(t *testing.T) {
	db := openCrafted(t, "msi-mszip-bomb.msi")
	for _, jobs := range []int{1, 2} {
		ctx, cancel := context.WithCancel(context.Background())
		var head, after int64
		calls := 0
		_, err := install.ExtractContext(ctx, db, &install.Options{Jobs: jobs}, func(f *install.File, r io.Reader) error {
			calls++
			n, err := io.ReadFull(r, make([]byte, 2*blockSize))
			head = int64(n)
			if err != nil {
				t.Errorf("first bytes: %v", err)
			}
			cancel()
			after, err = io.Copy(io.Discard, r)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("reading on after cancel: %v, want an error matching context.Canceled", err)
			}
			return nil
		})
		cancel()
		if calls != 1 || after > blockSize {
			t.Errorf("jobs %d: %d calls, %d bytes read after cancel; want 1 call, at most %d bytes", jobs, calls, after, blockSize)
		}
		checkStopped(t, err, "zeros0", head)
	}
}

// Bytes decoded only to reach a file stop too: File b is the last block
// of a 131 MB folder (msi-cab-copies-far.msi), and a context cancelled
// before its first byte is read stops the skipping at once.
func TestExtractContextStopsSkipping(t *testing.T) {
	db := openCrafted(t, "msi-cab-copies-far.msi")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n int64
	_, err := install.ExtractContext(ctx, db, &install.Options{Keys: []string{"b"}}, func(f *install.File, r io.Reader) error {
		cancel()
		n, _ = io.Copy(io.Discard, r)
		return nil
	})
	if n != 0 {
		t.Errorf("%d bytes of b read after cancel, want none", n)
	}
	checkStopped(t, err, "b", 0)
}

// With Options.Jobs, every folder being decoded stops: the two 0.5 GB
// files of the Quantum bomb, one a folder, are read at once, and a cancel
// from one callback stops both within a block.
func TestExtractContextStopsJobs(t *testing.T) {
	db := openCrafted(t, "msi-quantum-bomb.msi")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	after := map[string]int64{}
	var both sync.WaitGroup
	both.Add(2)
	allIn := make(chan struct{})
	go func() { both.Wait(); close(allIn) }()
	_, err := install.ExtractContext(ctx, db, &install.Options{Jobs: 2}, func(f *install.File, r io.Reader) error {
		if _, err := io.ReadFull(r, make([]byte, blockSize)); err != nil {
			t.Errorf("%s: first bytes: %v", f.Key, err)
		}
		both.Done()
		select {
		case <-allIn:
		case <-time.After(30 * time.Second):
			t.Errorf("%s: the other folder did not start within 30 s", f.Key)
		}
		if f.Key == "f0" {
			cancel()
		} else {
			<-ctx.Done()
		}
		n, _ := io.Copy(io.Discard, r)
		mu.Lock()
		after[f.Key] = n
		mu.Unlock()
		return nil
	})
	var se *install.StopError
	if !errors.As(err, &se) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want an *install.StopError matching context.Canceled", err)
	}
	if len(after) != 2 || after["f0"] > blockSize || after["f1"] > blockSize {
		t.Errorf("bytes read after cancel: %v; want f0 and f1, at most %d each", after, blockSize)
	}
}

// External cabinets (read from Options.SourceDir) stop as embedded ones:
// the MSZIP bomb with its cabinet moved beside the package.
func TestExtractContextStopsExternalCabinet(t *testing.T) {
	db := openCrafted(t, "msi-mszip-bomb.msi")
	dir := t.TempDir()
	media, err := db.Table("Media")
	if err != nil {
		t.Fatal(err)
	}
	row := media.Row(0)
	stream := row.Get("Cabinet").Str()[1:]
	st, err := db.OpenStream(stream)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ext.cab"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := media.Update(row.Key(), func(vals []msi.Value) error {
		vals[3] = msi.StrValue("ext.cab")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteStream(stream); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var head, after int64
	_, err = install.ExtractContext(ctx, db, &install.Options{SourceDir: dir}, func(f *install.File, r io.Reader) error {
		if f.Cabinet != "ext.cab" {
			t.Errorf("File %s from cabinet %q, want ext.cab", f.Key, f.Cabinet)
		}
		n, _ := io.ReadFull(r, make([]byte, 3*blockSize))
		head = int64(n)
		cancel()
		after, _ = io.Copy(io.Discard, r)
		return nil
	})
	if after > blockSize {
		t.Errorf("%d bytes read after cancel, want at most %d", after, blockSize)
	}
	checkStopped(t, err, "zeros0", head)
}

// A context done before ExtractContext starts delivers nothing; the
// error matches the context's cause and its Err, whatever the cause.
func TestExtractContextDone(t *testing.T) {
	db := openSample(t)
	why := errors.New("the scan's budget is spent")
	cancelled, cancel := context.WithCancelCause(context.Background())
	cancel(why)
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want []error
	}{
		{"cause", cancelled, []error{why, context.Canceled}},
		{"deadline", expired, []error{context.DeadlineExceeded}},
	} {
		calls := 0
		rep, err := install.ExtractContext(tc.ctx, db, nil, func(*install.File, io.Reader) error {
			calls++
			return nil
		})
		var se *install.StopError
		if !errors.As(err, &se) || calls != 0 || rep == nil || rep.Extracted != 0 {
			t.Errorf("%s: %d calls, report %+v, err %v; want no call and an *install.StopError", tc.name, calls, rep, err)
		}
		for _, w := range tc.want {
			if !errors.Is(err, w) {
				t.Errorf("%s: %v does not match %v", tc.name, err, w)
			}
		}
	}
}

// Between files: a context cancelled in the callback of a file read to
// its end stops before the next file. The sample's cabinet holds several.
func TestExtractContextBetweenFiles(t *testing.T) {
	db := openSample(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var keys []string
	rep, err := install.ExtractContext(ctx, db, nil, func(f *install.File, r io.Reader) error {
		keys = append(keys, f.Key)
		if _, err := io.Copy(io.Discard, r); err != nil {
			t.Errorf("%s: %v", f.Key, err)
		}
		cancel()
		return nil
	})
	var se *install.StopError
	if !errors.As(err, &se) || !errors.Is(err, context.Canceled) || len(keys) != 1 || se.Key == "" || se.Key == keys[0] {
		t.Fatalf("files %v, err %v; want one file, then an *install.StopError naming the next", keys, err)
	}
	if rep.Extracted != 1 {
		t.Errorf("report: %d extracted, want 1", rep.Extracted)
	}
}

// openSample opens the sample package (the internal tests' helper is in
// package install).
func openSample(t *testing.T) *msi.Database {
	t.Helper()
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Uncompressed files (an administrative image) stop within a read: the
// sample's files as copies at their source paths, its cabinet removed.
func TestExtractContextStopsUncompressed(t *testing.T) {
	db := openSample(t)
	dir, _ := adminImage(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var keys []string
	var n int64
	_, err := install.ExtractContext(ctx, db, &install.Options{SourceDir: dir}, func(f *install.File, r io.Reader) error {
		keys = append(keys, f.Key)
		cancel()
		n, _ = io.Copy(io.Discard, r)
		return nil
	})
	var se *install.StopError
	if !errors.As(err, &se) || !errors.Is(err, context.Canceled) || len(keys) != 1 || se.Key != keys[0] || se.Cabinet != "" || n != 0 {
		t.Fatalf("files %v, %d bytes read after cancel, err %v; want one file, nothing read and an *install.StopError naming it", keys, n, err)
	}
}
