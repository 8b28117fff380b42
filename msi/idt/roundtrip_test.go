package idt

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/msikit/msikit/msi"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// TestIDTRoundTripCorpus exports every table of every corpus database as
// IDT files (ExportIDTDir, what "msikit export -d" writes), imports all of
// them back (ImportIDTFile, what "msikit import" does), saves, and checks
// that the result has the same rows in every table, the same summary
// information and the same bytes in every stream. Values with line breaks
// and tabs (Control texts, CustomAction scripts) survive through the
// Archive File Format's control character translation; values longer
// than their column's declared size are imported with a warning, as
// Windows Installer does not enforce the sizes.
func TestIDTRoundTripCorpus(t *testing.T) {
	files := testenv.CorpusFiles(t)
	var tested, withControl, withLong atomic.Int64
	for _, file := range files {
		if testenv.IsCorrupt(file) {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			orig, err := msi.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer orig.Close()
			if orig.Kind() == msi.PackageTransform {
				t.Skip("a transform's tables are change records")
			}
			dir := t.TempDir()
			if err := ExportDir(dir, orig); err != nil {
				t.Fatalf("export -d: %v", err)
			}
			before := exportAll(t, orig)
			for _, text := range before {
				if strings.ContainsAny(text[strings.Index(text, "\r\n")+2:], "\x10\x11\x15\x18\x19\x1b") {
					withControl.Add(1)
					break
				}
			}

			db, err := msi.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			warnings := len(db.Warnings)
			for _, table := range Tables(orig) {
				if _, err := ImportFile(db, filepath.Join(dir, table+".idt")); err != nil {
					t.Fatalf("import %s: %v", table, err)
				}
			}
			if len(db.Warnings) > warnings {
				withLong.Add(1)
				t.Logf("import warnings: %q", db.Warnings[warnings:])
			}
			out := filepath.Join(t.TempDir(), "out"+filepath.Ext(file))
			if err := db.Save(out, &msi.SaveOptions{WriteOptions: msi.WriteOptions{DropSignature: true, KeepPackageCode: true}}); err != nil {
				t.Fatalf("save: %v", err)
			}
			back, err := msi.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer back.Close()
			after := exportAll(t, back)
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("tables after export -d + import (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(streamBytes(t, orig), streamBytes(t, back)); diff != "" {
				t.Errorf("streams after export -d + import (-before +after):\n%s", diff)
			}
			tested.Add(1)
		})
	}
	t.Cleanup(func() {
		t.Logf("%d packages round-tripped; %d with translated control characters, %d with values longer than their columns", tested.Load(), withControl.Load(), withLong.Load())
	})
}

// exportAll returns the IDT export of every table and pseudo-table, rows
// sorted (an import may store rows in another order: by string-pool id).
func exportAll(t *testing.T, db *msi.Database) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range Tables(db) {
		var b bytes.Buffer
		if err := Export(&b, db, table, nil); err != nil {
			t.Fatalf("export %s: %v", table, err)
		}
		lines := strings.Split(b.String(), "\r\n")
		if len(lines) > 3 {
			body := lines[3:]
			sort.Strings(body)
		}
		out[table] = strings.Join(lines, "\r\n")
	}
	return out
}

// streamBytes returns the SHA-256 of every non-table stream except the
// signature streams (dropped by any changing write) and the summary
// information (compared as a table). cmp.Diff of megabyte slices would
// compare them byte by byte through reflection.
func streamBytes(t *testing.T, db *msi.Database) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range db.Streams() {
		switch s.Name {
		case msi.DigitalSignatureStream, msi.DigitalSignatureExStream, msi.SummaryInfoStream:
			continue
		}
		r, err := db.OpenStream(s.Name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
		if err != nil {
			t.Fatal(err)
		}
		out[s.Name] = fmt.Sprintf("%d bytes, sha256 %x", len(b), sha256.Sum256(b))
	}
	return out
}
