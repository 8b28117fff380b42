package idt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/msi"
)

// stopAfter is a context that is done from its (n+1)th Err call on, so
// that an export stops at a known point part way.
type stopAfter struct {
	context.Context
	n atomic.Int64
}

func newStopAfter(n int64) *stopAfter {
	c := &stopAfter{Context: context.Background()}
	c.n.Store(n)
	return c
}

func (c *stopAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// manyCells is the sample database with n more Binary rows, each with a
// small stream of its own.
func manyCells(t *testing.T, n int) *msi.Database {
	t.Helper()
	db := openSample(t)
	bin, err := db.Table("Binary")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("cell%05d", i)
		if err := bin.Insert(msi.StrValue(name), msi.BinaryValue()); err != nil {
			t.Fatal(err)
		}
		data := []byte(name)
		if err := db.SetStream("Binary."+name, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// tree lists the files and folders below root with the files' contents
// ("/" for a folder).
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			m[filepath.ToSlash(rel)] = "/"
			return nil
		}
		b, err := os.ReadFile(p)
		m[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestExportDirContextStops: a context done part way through the binary
// cells of one table (long after the last check between tables) stops
// the export there; neither a new folder nor its temporary folder is
// left, an existing folder keeps exactly what it held, and the error is
// the context's cause.
func TestExportDirContextStops(t *testing.T) {
	const cells = 1000
	db := manyCells(t, cells)
	if n := len(Tables(db)); n >= cells/2 {
		t.Fatalf("%d tables: the stop would not fall among the cells", n)
	}
	for _, tc := range []struct {
		name string
		old  map[string]string // files in the folder before
	}{
		{"new folder", nil},
		{"existing folder", map[string]string{"Binary.idt": "old", "keep.txt": "mine", "Binary/Binary.cell00001": "old cell"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "out")
			for name, data := range tc.old {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := tree(t, root)
			ctx := newStopAfter(cells / 2)
			err := ExportDirContext(ctx, dir, db)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled: the export did not stop among the cells", err)
			}
			if ctx.n.Load() >= 0 {
				t.Fatalf("the context was asked %d times; the export never saw it done", cells/2-ctx.n.Load())
			}
			if diff := cmp.Diff(want, tree(t, root)); diff != "" {
				t.Errorf("after the stop (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("cause", func(t *testing.T) {
		root := t.TempDir()
		ctx, cancel := context.WithCancelCause(context.Background())
		stop := errors.New("stopped by the test")
		cancel(stop)
		if err := ExportDirContext(ctx, filepath.Join(root, "out"), db); err != stop {
			t.Errorf("err = %v, want the cause %v", err, stop)
		}
		if diff := cmp.Diff(map[string]string{}, tree(t, root)); diff != "" {
			t.Errorf("after the stop (-want +got):\n%s", diff)
		}
	})
	t.Run("not stopped", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "out")
		if err := ExportDirContext(context.Background(), dir, db, "Binary"); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(filepath.Join(dir, "Binary", "Binary.cell00999")); string(got) != "cell00999" {
			t.Errorf("last cell: %q, %v", got, err)
		}
	})
}
