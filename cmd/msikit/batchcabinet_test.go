package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/msi"
)

// cabinetNamedPackage writes dir/name: sample.msi whose one cabinet is
// external, named cabinet in its Media table (in upper case), and the
// cabinet beside it as dir/cabinet. It returns the package and the
// cabinet.
func cabinetNamedPackage(t *testing.T, dir, name, cabinet string) (pkg, cab string) {
	t.Helper()
	db, err := msi.Open(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.OpenStream("synth.cab")
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(st)
	if err != nil {
		t.Fatal(err)
	}
	cab = filepath.Join(dir, cabinet)
	if err := os.WriteFile(cab, data, 0o644); err != nil {
		t.Fatal(err)
	}
	setCell(t, db, "Media", msi.IntValue(1), "Cabinet", msi.StrValue(strings.ToUpper(cabinet)))
	pkg = filepath.Join(dir, name)
	if err := db.Save(pkg, nil); err != nil {
		t.Fatal(err)
	}
	return pkg, cab
}

// TestBatchKeepsOtherInputsCabinets: a batch writer (rewrite, sbom) whose
// output for one package is a file another package of the batch is read
// with (its external cabinet, by the name its Media table gives in
// another case; a cabinet of its set that only a cabinet header names)
// refuses the batch before anything is written, exit 2, naming both
// packages. Before, each package's own check passed and the output
// replaced the other package's cabinet, leaving it without its files.
// A batch into a folder where the outputs exist but are no one's
// cabinet is written.
func TestBatchKeepsOtherInputsCabinets(t *testing.T) {
	type batch struct {
		name          string
		args          []string
		victim, other string // the file refused and the package it belongs to
		in            string // the package whose output it is
	}
	var batches []batch
	{ // An external cabinet, named in the Media table.
		dirA, dirB := t.TempDir(), t.TempDir()
		a := copySample(t, dirA, "a.msi")
		b, cab := cabinetNamedPackage(t, dirB, "b.msi", "a.msi")
		batches = append(batches, batch{"rewrite, external cabinet", []string{"rewrite", "--leaf-features", a, b, "-o", dirB}, cab, b, a})
		dirC, dirD := t.TempDir(), t.TempDir()
		c := copySample(t, dirC, "c.msi")
		d, cab2 := cabinetNamedPackage(t, dirD, "d.msi", "c.msi.cdx.json")
		batches = append(batches, batch{"sbom, external cabinet", []string{"sbom", c, d, "-o", dirD}, cab2, d, c})
	}
	{ // A cabinet of a set, named only in the header of the one before.
		dirA, dirB := t.TempDir(), t.TempDir()
		set, next := cabSetPackage(t, dirB) // dirB/set.msi, dirB/b.cab
		a := copySample(t, dirA, filepath.Base(next))
		batches = append(batches, batch{"rewrite, cabinet set", []string{"rewrite", "--leaf-features", a, set, "-o", dirB}, next, set, a})
	}
	for _, tt := range batches {
		t.Run(tt.name, func(t *testing.T) {
			sum := sha(t, tt.victim)
			code, stdout, stderr := runCLI(t, tt.args...)
			want := tt.in + " would be written to " + tt.victim + ", which is "
			if code != exitUsage || !strings.Contains(stderr, want) || !strings.Contains(stderr, "of the package "+tt.other+", another package of the batch") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and a line with %q naming %s", code, stdout, stderr, want, tt.other)
			}
			if sha(t, tt.victim) != sum {
				t.Errorf("%s was replaced", tt.victim)
			}
		})
	}
	// Outputs that exist and are nobody's cabinet are replaced.
	dirA, dirB := t.TempDir(), t.TempDir()
	a := copySample(t, dirA, "a.msi")
	b, _ := cabinetNamedPackage(t, dirB, "b.msi", "b.cab")
	out := t.TempDir()
	for range 2 {
		if code, _, stderr := runCLI(t, "rewrite", "--leaf-features", a, b, "-o", out); code != exitOK {
			t.Errorf("rewrite into %s: exit %d, %s", out, code, stderr)
		}
	}
}
