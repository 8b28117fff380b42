package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/msi"
)

// A storedCabFile is a CFFILE entry of storedCab.
type storedCabFile struct {
	name         string
	size, offset uint32
	folder       uint16 // 0, or 0xFFFD/0xFFFE: continued from the previous/into the next cabinet
}

// storedCab lays out a cabinet (MS-CAB) of one uncompressed folder
// holding data in one block, without checksums, number index of set 1,
// naming prev and next ("": none) in its header.
func storedCab(index uint16, prev, next string, data []byte, files []storedCabFile) []byte {
	le := binary.LittleEndian
	var flags uint16
	names := []byte{}
	if prev != "" {
		flags |= 1
		names = append(names, prev+"\x00disk\x00"...)
	}
	if next != "" {
		flags |= 2
		names = append(names, next+"\x00disk\x00"...)
	}
	out := make([]byte, 36, 256)
	copy(out, "MSCF")
	out[24], out[25] = 3, 1
	le.PutUint16(out[26:], 1)
	le.PutUint16(out[28:], uint16(len(files)))
	le.PutUint16(out[30:], flags)
	le.PutUint16(out[32:], 1)
	le.PutUint16(out[34:], index)
	out = append(out, names...)
	folderAt := len(out)
	out = append(out, make([]byte, 8)...)
	le.PutUint32(out[16:], uint32(len(out)))
	for _, f := range files {
		var e [16]byte
		le.PutUint32(e[0:], f.size)
		le.PutUint32(e[4:], f.offset)
		le.PutUint16(e[8:], f.folder)
		le.PutUint16(e[10:], 0x5821)
		le.PutUint16(e[14:], 0x20)
		out = append(append(out, e[:]...), f.name+"\x00"...)
	}
	le.PutUint32(out[folderAt:], uint32(len(out)))
	le.PutUint16(out[folderAt+4:], 1)
	var h [8]byte
	le.PutUint16(h[4:], uint16(len(data)))
	le.PutUint16(h[6:], uint16(len(data)))
	out = append(append(out, h[:]...), data...)
	le.PutUint32(out[8:], uint32(len(out)))
	return out
}

// cabSetPackage writes dir/set.msi, the sample whose Media table names
// one external cabinet, a.cab, and a.cab and b.cab beside it: a set of
// two, b.cab named only in a.cab's header (the folder of a.cab runs on
// into it, with data2.txt). data1.txt, first in a.cab, is installed as
// b.cab at the root of the layout (TARGETDIR; from source folder "src",
// so it is not the uncompressed copy of a file either). It returns the
// package and b.cab.
func cabSetPackage(t *testing.T, dir string) (pkg, next string) {
	t.Helper()
	db, err := msi.Open(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	setCell(t, db, "Media", msi.IntValue(1), "Cabinet", msi.StrValue("a.cab"))
	dirs, err := db.Table("Directory")
	if err != nil {
		t.Fatal(err)
	}
	if err := dirs.Insert(msi.StrValue("SETDIR"), msi.StrValue("TARGETDIR"), msi.StrValue(".:src")); err != nil {
		t.Fatal(err)
	}
	setCells(t, db, "Component", "Data1", map[string]string{"Directory_": "SETDIR"})
	setCells(t, db, "File", "data1.txt", map[string]string{"FileName": "b.cab"})
	pkg = filepath.Join(dir, "set.msi")
	if err := db.Save(pkg, nil); err != nil {
		t.Fatal(err)
	}
	data := []byte("data1 contents.data2 contents.")
	a := storedCab(0, "", "b.cab", data[:20], []storedCabFile{{"data1.txt", 15, 0, 0}, {"data2.txt", 15, 15, 0xFFFE}})
	b := storedCab(1, "a.cab", "", data[20:], []storedCabFile{{"data2.txt", 15, 15, 0xFFFD}})
	next = filepath.Join(dir, "b.cab")
	if err := os.WriteFile(filepath.Join(dir, "a.cab"), a, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(next, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return pkg, next
}

// TestCabinetSetKept: a cabinet of a set that only a cabinet header
// names (no Media row) is never replaced. Extracting into the package's
// folder, whose file data1.txt is installed as b.cab, replaced b.cab
// before the set reached it, and data2.txt was then read from that file
// ("file too short for a cabinet header"); now b.cab is reported as not
// written and data2.txt extracted. Every writer given b.cab as -o
// (including cfb repack, which refused no cabinet at all) refuses it.
func TestCabinetSetKept(t *testing.T) {
	dir := t.TempDir()
	pkg, next := cabSetPackage(t, dir)
	sum := sha(t, next)
	code, stdout, stderr := runCLI(t, "extract", pkg, "-d", dir)
	if sha(t, next) != sum {
		t.Fatalf("extract replaced b.cab; exit %d, stderr:\n%s", code, stderr)
	}
	if code != exitFailure || !strings.Contains(stderr, "not written: b.cab: is cabinet b.cab of a cabinet set of the package") {
		t.Errorf("extract: exit %d, want 1 and b.cab not written; stderr:\n%s", code, stderr)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "Program Files (x86)", "SynthCorp", "data", "data2.txt")); err != nil || string(got) != "data2 contents." {
		t.Errorf("data2.txt (across the set) = %q, %v; stdout:\n%s\nstderr:\n%s", got, err, stdout, stderr)
	}
	for _, w := range [][]string{
		{"repack", pkg, "-o"},
		{"cfb", "repack", pkg, "-o"},
		{"rewrite", pkg, "--leaf-features", "-o"},
		{"diff", pkg, pkg, "-o"},
	} {
		args := append(append([]string(nil), w...), next)
		code, _, stderr := runCLI(t, args...)
		if code != exitFailure || !strings.Contains(stderr, "is cabinet b.cab of a cabinet set of "+pkg) {
			t.Errorf("%q: exit %d, stderr %q; want b.cab refused", args, code, stderr)
		}
		if sha(t, next) != sum {
			t.Fatalf("%q: b.cab was replaced", args)
		}
	}
	code, _, stderr = runCLI(t, "sbom", pkg, "-o", next)
	if code != exitFailure || !strings.Contains(stderr, "is cabinet b.cab of a cabinet set of the package") || sha(t, next) != sum {
		t.Errorf("sbom -o b.cab: exit %d, stderr %q; want b.cab refused and kept", code, stderr)
	}
}
