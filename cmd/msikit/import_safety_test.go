package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
