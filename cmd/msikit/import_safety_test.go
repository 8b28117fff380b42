package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/msi"
)

// import refuses every name Windows Installer reserves, with a clear error
// and nothing written; with --in-place the input keeps its bytes.
// Importing _StringPool once wrote a package nothing could open.
func TestImportRefusesReservedNames(t *testing.T) {
	for _, name := range []string{"_StringPool", "_StringData", "_Tables", "_Columns", "_Streams", "_Storages", "_TransformView"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			in := copySample(t, dir, "in.msi")
			idt := filepath.Join(dir, name+".idt")
			if err := os.WriteFile(idt, []byte("A\tB\r\ni2\ti2\r\n"+name+"\tA\r\n1\t2\r\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			before := fileHash(t, in)
			for _, mode := range [][]string{{"-o", filepath.Join(dir, "out.msi")}, {"--in-place"}} {
				code, _, stderr := runCLI(t, append([]string{"import", in, idt}, mode...)...)
				if code != exitFailure || !strings.Contains(stderr, "reserved") || strings.Count(stderr, "\n") != 1 {
					t.Errorf("%v: exit %d, stderr %q; want one line saying the name is reserved", mode, code, stderr)
				}
			}
			if fileHash(t, in) != before {
				t.Error("the input changed")
			}
			if _, err := os.Stat(filepath.Join(dir, "out.msi")); err == nil {
				t.Error("an output was written")
			}
		})
	}
	// _Validation is ordinary data.
	dir := t.TempDir()
	idt := filepath.Join(dir, "_Validation.idt")
	os.WriteFile(idt, []byte("Table\tColumn\tNullable\r\ns32\ts32\ts4\r\n_Validation\tTable\tColumn\r\nProperty\tValue\tN\r\n"), 0o644)
	if code, _, stderr := runCLI(t, "import", samplePath(), idt, "-o", filepath.Join(dir, "out.msi")); code != exitOK {
		t.Errorf("import of a _Validation table: exit %d, %s", code, stderr)
	}
}

// import does not follow symbolic links in the binary-cell folder: neither
// the folder TABLE/ nor a cell's file may be one.
func TestImportRefusesSymlinkedCells(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, dir, secret string)
	}{
		{"cell file", func(t *testing.T, dir, secret string) {
			os.Mkdir(filepath.Join(dir, "Binary"), 0o755)
			if err := os.Symlink(secret, filepath.Join(dir, "Binary", "Binary.x")); err != nil {
				t.Skip(err)
			}
		}},
		{"table folder", func(t *testing.T, dir, secret string) {
			other := filepath.Join(filepath.Dir(dir), "elsewhere")
			os.MkdirAll(other, 0o755)
			os.WriteFile(filepath.Join(other, "Binary.x"), []byte("secret"), 0o644)
			if err := os.Symlink(other, filepath.Join(dir, "Binary")); err != nil {
				t.Skip(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "idt")
			os.Mkdir(dir, 0o755)
			secret := filepath.Join(root, "secret.txt")
			os.WriteFile(secret, []byte("secret"), 0o644)
			tt.setup(t, dir, secret)
			idt := filepath.Join(dir, "Binary.idt")
			os.WriteFile(idt, []byte("Name\tData\r\ns72\tv0\r\nBinary\tName\r\nx\tBinary.x\r\n"), 0o644)
			out := filepath.Join(root, "out.msi")
			code, _, stderr := runCLI(t, "import", samplePath(), idt, "-o", out)
			if code != exitFailure || !strings.Contains(stderr, "symbolic link") {
				t.Errorf("exit %d, stderr %q; want a refusal naming the symbolic link", code, stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("an output was written")
			}
		})
	}
}

// --in-place through a symbolic link replaces the file the link points to
// and keeps the link (as sed -i --follow-symlinks does); -o naming a link
// does the same.
func TestInPlaceThroughSymlink(t *testing.T) {
	for _, cmd := range [][]string{{"repack"}, {"rewrite", "--all"}} {
		t.Run(cmd[0], func(t *testing.T) {
			dir := t.TempDir()
			real := copySample(t, dir, "real.msi")
			link := filepath.Join(dir, "link.msi")
			if err := os.Symlink("real.msi", link); err != nil {
				t.Skip(err)
			}
			before := fileHash(t, real)
			code, _, stderr := runCLI(t, append(append([]string{}, cmd...), link, "--in-place")...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Fatal("the link was replaced")
			}
			if fileHash(t, real) == before {
				t.Error("the file the link points to did not change")
			}
			if code, _, stderr := runCLI(t, "info", link); code != exitOK {
				t.Errorf("info of the result: exit %d, %s", code, stderr)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 2 {
				t.Errorf("folder holds %v, want real.msi and link.msi", ents)
			}
		})
	}
}

// import bounds what binary cells copy: a file named by many cells becomes
// a stream for each, so an IDT file of a few megabytes naming one file on
// every line asked for gigabytes of package or hundreds of thousands of
// streams (4 GB written in 11 s; 450,000 streams in 22 s and 420 MB).
// Copies beyond the distinct files' bytes may add up to
// idt.MaxCellCopies, a cell counting at least 4 KiB; hard links are one
// file. Each run keeps the hostile-input budgets (checkChild, overTime);
// a file named by a few cells is still imported.
func TestImportHostileCellCopies(t *testing.T) {
	bin := buildMsikit(t)
	for _, tt := range []struct {
		name  string
		build func(t *testing.T, dir string) // writes dir/Binary.idt and dir/Binary/
		ok    bool
	}{
		{"4 MB file in 1,000 cells", func(t *testing.T, dir string) {
			writeCellFile(t, dir, "f", 4<<20)
			writeCellIDT(t, dir, 1000, func(int) string { return "f" })
		}, false},
		{"one byte in 450,000 cells", func(t *testing.T, dir string) {
			writeCellFile(t, dir, "f", 1)
			writeCellIDT(t, dir, 450000, func(int) string { return "f" })
		}, false},
		{"4 MB file behind 1,000 hard links", func(t *testing.T, dir string) {
			writeCellFile(t, dir, "f", 4<<20)
			for i := range 1000 {
				if err := os.Link(filepath.Join(dir, "Binary", "f"), filepath.Join(dir, "Binary", "l"+strconv.Itoa(i))); err != nil {
					t.Skip(err)
				}
			}
			writeCellIDT(t, dir, 1000, func(i int) string { return "l" + strconv.Itoa(i) })
		}, false},
		{"100 bytes in 10 cells", func(t *testing.T, dir string) {
			writeCellFile(t, dir, "f", 100)
			writeCellIDT(t, dir, 10, func(int) string { return "f" })
		}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.build(t, dir)
			out := filepath.Join(dir, "out.msi")
			r := runChild(t, bin, dir, []string{"import", samplePath(), filepath.Join(dir, "Binary.idt"), "-o", out})
			checkChild(t, "import", r, true)
			if overTime(r) {
				t.Errorf("took %v (%v of CPU time), budget %v", r.wall, r.cpu, childTimeBudget)
			}
			_, err := os.Stat(out)
			if !tt.ok {
				if r.code != exitFailure || !strings.Contains(r.stderr, "copy too many bytes") {
					t.Errorf("exit %d, stderr %q; want a refusal of the copies", r.code, r.stderr)
				}
				if err == nil {
					t.Error("an output was written")
				}
				return
			}
			if r.code != exitOK || err != nil {
				t.Fatalf("exit %d, stderr %q, output: %v", r.code, r.stderr, err)
			}
			db, err := msi.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var cells int
			for _, s := range db.Streams() {
				if s.Table == "Binary" && s.Size == 100 {
					cells++
				}
			}
			if cells != 10 {
				t.Errorf("%d streams of 100 bytes in Binary, want 10", cells)
			}
		})
	}
}

// writeCellFile writes a binary cell file of size bytes into dir/Binary.
func writeCellFile(t *testing.T, dir, name string, size int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "Binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Binary", name), bytes.Repeat([]byte{'x'}, size), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeCellIDT writes dir/Binary.idt with n rows, row i naming the cell
// file cell(i).
func writeCellIDT(t *testing.T, dir string, n int, cell func(i int) string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("Name\tData\r\ns72\tv0\r\nBinary\tName\r\n")
	for i := range n {
		fmt.Fprintf(&b, "b%x\t%s\r\n", i, cell(i))
	}
	if err := os.WriteFile(filepath.Join(dir, "Binary.idt"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The copies of binary cell files are bounded for the whole import, not
// file by file: 100 IDT files of 36 bytes, each a table whose one cell
// names a hard link of one 4 MB file, made a 403 MB package (3,000 of
// them, 12 GB), and 3,000 naming the same table and file took 10 s of
// CPU comparing it again and again.
func TestImportCopiesBoundedAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, bytes.Repeat([]byte{1}, 4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"import", samplePath(), "-o", filepath.Join(dir, "out.msi")}
	for i := range 20 {
		table := fmt.Sprintf("T%d", i)
		if err := os.Mkdir(filepath.Join(dir, table), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Link(big, filepath.Join(dir, table, "big")); err != nil {
			t.Skipf("no hard links here: %v", err)
		}
		idt := filepath.Join(dir, table+".idt")
		if err := os.WriteFile(idt, []byte("Name\tData\r\ns72\tv0\r\n"+table+"\tName\r\nbig\tbig\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, idt)
	}
	code, _, stderr := runCLI(t, args...)
	// T17, the 18th file, takes the copies past 64 MiB (16 copies of 4 MiB
	// beside the distinct file).
	want := "T17.idt: binary cell: binary cells copy too many bytes"
	if code != exitFailure || !strings.Contains(stderr, want) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want one line with %q", code, stderr, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "out.msi")); err == nil {
		t.Error("an output was written")
	}
}

// The import's report reads each stream once however many rows name it,
// and never builds a row's stream name from its key: the rows of one key
// (a table may hold duplicates) share the stream Table.Key, and the
// report's fingerprint of the table before the import hashed it for each
// row. 40,000 rows of one Binary key naming a 1 MiB stream (a 1.2 MB
// package) hashed 40 GB before anything was imported, 7.6 s of CPU; and
// 100,000 rows keyed by one 64,000-byte text (488 KB) each built a name
// of that size that no stream can have, and kept it: killed after 20 s.
func TestImportReportReadsEachStreamOnce(t *testing.T) {
	bin := buildMsikit(t)
	for _, tt := range []struct {
		name    string
		key     string
		n, size int
	}{
		{"1 MiB stream in 40,000 rows of one key", "B", 40000, 1 << 20},
		{"100,000 rows of one 64,000-byte key", strings.Repeat("K", 64000), 100000, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			pkg := duplicateBinaryRows(t, dir, tt.key, tt.n, tt.size)
			idt := filepath.Join(dir, "Binary.idt")
			if err := os.WriteFile(idt, []byte("Name\tData\r\ns72\tv0\r\nBinary\tName\r\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			r := runChild(t, bin, dir, []string{"import", pkg, idt, "-o", filepath.Join(dir, "out.msi")})
			checkChild(t, "import", r, true)
			if overTime(r) {
				t.Errorf("took %v (%v of CPU time), budget %v", r.wall, r.cpu, childTimeBudget)
			}
			if r.code != exitOK {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			// The rows of one key are one row to the report, which the
			// file (no rows) deletes.
			if want := "Binary: 1 deleted; 0 rows now"; !strings.Contains(r.stderr, want) {
				t.Errorf("stderr %q, want it to say %q", r.stderr, want)
			}
		})
	}
}

// duplicateBinaryRows writes dir/dup.msi: the sample with a Binary row
// keyed key whose stream holds size bytes (none when 0), that row stored
// n times over (its cells repeated in the table stream, as a crafted
// package can hold them).
func duplicateBinaryRows(t *testing.T, dir, key string, n, size int) string {
	t.Helper()
	db, err := msi.Open(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tab, err := db.Table("Binary")
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.Insert(msi.StrValue(key), msi.BinaryValue()); err != nil {
		t.Fatal(err)
	}
	if size > 0 {
		data := bytes.Repeat([]byte("0123456789abcdef"), size/16)
		if err := db.SetStream("Binary."+key, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	var one bytes.Buffer
	if _, err := db.Write(&one, &msi.WriteOptions{KeepPackageCode: true}); err != nil {
		t.Fatal(err)
	}
	rd, err := cfb.NewReader(bytes.NewReader(one.Bytes()), int64(one.Len()))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := msi.EncodeStreamName("Binary", true)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := cfb.NewWriter(&out, nil)
	w.SetRoot(cfb.Header{CLSID: rd.Root.CLSID})
	found := false
	for _, e := range rd.Root.Children {
		if !slices.Equal(e.RawName, raw) {
			if err := w.Copy(e); err != nil {
				t.Fatal(err)
			}
			continue
		}
		found = true
		s, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		row, err := io.ReadAll(s)
		if err != nil {
			t.Fatal(err)
		}
		// Stored by column: the Name cells (string references), then
		// the Data cells (2 bytes each).
		name := len(row) - 2
		stream := append(bytes.Repeat(row[:name], n), bytes.Repeat(row[name:], n)...)
		if err := w.CreateHeaderFrom("", &cfb.Header{RawName: e.RawName}, bytes.NewReader(stream), int64(len(stream))); err != nil {
			t.Fatal(err)
		}
	}
	if !found {
		t.Fatal("no Binary table stream")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "dup.msi")
	if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// import refuses an -o that names a binary cell's file (the file itself,
// a symbolic link to it or a hard link of it): the output is renamed
// into place, so it would replace a file the import reads. The file keeps
// its bytes and its identity, and nothing is written.
func TestImportRefusesOutputThatIsACellFile(t *testing.T) {
	dir := t.TempDir()
	in := copySample(t, dir, "in.msi")
	if err := os.Mkdir(filepath.Join(dir, "Binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	cell := filepath.Join(dir, "Binary", "Cell.ibd")
	if err := os.WriteFile(cell, []byte("cell bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	idtFile := filepath.Join(dir, "Binary.idt")
	if err := os.WriteFile(idtFile, []byte("Name\tData\r\ns72\tv0\r\nBinary\tName\r\nCell\tCell.ibd\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.msi")
	if err := os.Symlink(cell, link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.msi")
	if err := os.Link(cell, hard); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(cell)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{cell, link, hard} {
		code, _, stderr := runCLI(t, "import", in, idtFile, "-o", out)
		if code != exitFailure || !strings.Contains(stderr, cell+": output is the same file as the input") || !strings.Contains(stderr, "-o must name another file") {
			t.Errorf("-o %s: exit %d, stderr %q; want a refusal naming %s", out, code, stderr, cell)
		}
		after, err := os.Stat(cell)
		if err != nil {
			t.Fatal(err)
		}
		if !os.SameFile(before, after) {
			t.Errorf("-o %s: the cell's file was replaced", out)
		}
		if got, _ := os.ReadFile(cell); string(got) != "cell bytes" {
			t.Errorf("-o %s: the cell's file holds %d other bytes", out, len(got))
		}
	}
	// Another -o is written, and --in-place (the package) is not refused.
	if code, _, stderr := runCLI(t, "import", in, idtFile, "-o", filepath.Join(dir, "out.msi")); code != exitOK {
		t.Errorf("-o out.msi: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "import", in, idtFile, "--in-place"); code != exitOK {
		t.Errorf("--in-place: exit %d, %s", code, stderr)
	}
}
