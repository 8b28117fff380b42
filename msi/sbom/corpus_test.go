package sbom

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/internal/assembly"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// errText compares errors by message: the reference and the inventory
// make their own error values.
var errText = cmp.Comparer(func(a, b error) bool { return fmt.Sprint(a) == fmt.Sprint(b) })

// reference is what a file's contents give when read whole into memory:
// the hashes and the PE and cabinet readers' results with random access,
// to compare with what Read gets from one forward pass.
type reference struct {
	sha256, sha1, md5 []byte
	pe                *PE
	peErr             error
	nested            *NestedCabinet
	nestedErr         error
}

func referenceOf(b []byte) reference {
	s256, s1, m := sha256.Sum256(b), sha1.Sum(b), md5.Sum(b)
	ref := reference{sha256: s256[:], sha1: s1[:], md5: m[:]}
	switch {
	case isPE(b[:min(len(b), forwardHead)]):
		p, err := assembly.ReadPE(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			ref.peErr = err
		} else {
			ref.pe = convertPE(p, &forward{})
		}
	case len(b) >= 4 && string(b[:4]) == "MSCF":
		cr, err := cab.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			ref.nestedErr = err
			break
		}
		ref.nested = &NestedCabinet{}
		for _, f := range cr.Files {
			ref.nested.Files = append(ref.nested.Files, CabinetFile{f.Name, f.Size})
		}
	}
	return ref
}

// TestReadCorpus is the acceptance test of Read over every corpus
// package:
//
//   - every file's SHA-256, SHA-1 and MD5 equal those of the bytes
//     install.Extract delivers (what msikit extract writes; the command
//     test compares with the written files too), and so do the PE and
//     cabinet readers' results with random access over the whole file:
//     one forward pass loses nothing;
//   - every MsiFileHash row matches its file;
//   - every version resource agrees with the File table's Version and
//     Language, which the vendor's build tools (WiX: MsiGetFileVersion
//     on Windows) took from the same files: an independent oracle;
//   - every file msiextract (msitools) writes is in the inventory, by
//     SHA-256;
//   - both documents validate against the official schemas and are the
//     same when written twice.
func TestReadCorpus(t *testing.T) {
	var mu sync.Mutex
	var pkgs, files, pes, md5s, versions, languages, dotnets, streams, oracle int
	t.Cleanup(func() {
		t.Logf("%d packages: %d files (%d PE images, %d .NET assemblies, %d table streams), %d MsiFileHash checks, %d versions and %d languages checked against the File table, %d packages checked against msiextract",
			pkgs, files, pes, dotnets, streams, md5s, versions, languages, oracle)
		if pkgs > 0 && (md5s == 0 || versions == 0 || pes == 0) {
			t.Errorf("checks did not engage")
		}
	})
	msiextract := ""
	if testenv.HaveTool(t, "msiextract", "msitools") {
		msiextract = testenv.NeedTool(t, "msiextract", "msitools")
	}
	for _, path := range testenv.CorpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			db, err := msi.Open(path)
			if err != nil {
				if testenv.IsCorrupt(path) {
					return
				}
				t.Fatal(err)
			}
			defer db.Close()
			inv, err := Read(db, nil)
			if db.Kind() == msi.PackageTransform {
				if !errors.Is(err, ErrUnsupported) {
					t.Errorf("transform: got %v, want ErrUnsupported", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}

			// The reference: every file read whole.
			refs := map[string]reference{}
			_, err = install.Extract(db, nil, func(f *install.File, r io.Reader) error {
				b, err := io.ReadAll(r)
				if err != nil {
					return err // the file's own failure, in the report
				}
				refs[f.Cabinet+"\x00"+f.Key] = referenceOf(b)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var npe, nmd5, nver, nlang, nnet int
			read := 0
			for _, f := range inv.Files {
				ref, ok := refs[f.Cabinet+"\x00"+f.Key]
				if !f.Read {
					if ok {
						t.Errorf("%s: not read (%v), but install.Extract delivers it", f.Key, f.ReadErr)
					}
					if f.ReadErr == nil {
						t.Errorf("%s: not read, and no reason", f.Key)
					}
					continue
				}
				read++
				if !ok {
					t.Errorf("%s: read, but install.Extract does not deliver it", f.Key)
					continue
				}
				if !bytes.Equal(f.SHA256, ref.sha256) || !bytes.Equal(f.SHA1, ref.sha1) {
					t.Errorf("%s: SHA-256 %x SHA-1 %x, the delivered bytes have %x %x", f.Key, f.SHA256, f.SHA1, ref.sha256, ref.sha1)
				}
				if f.MsiFileHash != nil {
					nmd5++
					if !bytes.Equal(f.MD5, ref.md5) {
						t.Errorf("%s: MD5 %x, the delivered bytes have %x", f.Key, f.MD5, ref.md5)
					}
					if f.HashMismatch {
						t.Errorf("%s: MsiFileHash %x does not match the file (MD5 %x)", f.Key, f.MsiFileHash, f.MD5)
					}
				}
				if diff := cmp.Diff(ref.pe, f.PE, errText); diff != "" {
					t.Errorf("%s: PE read in one pass differs from random access (-whole +forward):\n%s", f.Key, diff)
				}
				if diff := cmp.Diff(ref.peErr, f.PEErr, errText); diff != "" {
					t.Errorf("%s: PE error (-whole +forward):\n%s", f.Key, diff)
				}
				if diff := cmp.Diff(ref.nested, f.Nested); diff != "" || fmt.Sprint(ref.nestedErr) != fmt.Sprint(f.NestedErr) {
					t.Errorf("%s: nested cabinet (-whole +forward):\n%s\n%v / %v", f.Key, diff, ref.nestedErr, f.NestedErr)
				}
				if f.PE == nil {
					continue
				}
				npe++
				if f.PE.DotNet != nil {
					nnet++
				}
				if v := f.PE.Version; v != nil && f.Version != "" {
					nver++
					if v.FileVersion != f.Version {
						t.Errorf("%s: version resource %s, File table %s", f.Key, v.FileVersion, f.Version)
					}
					nlang++
					ls := make([]string, len(v.Languages))
					for i, l := range v.Languages {
						ls[i] = strconv.Itoa(int(l))
					}
					if got := strings.Join(ls, ","); got != f.Language {
						t.Errorf("%s: version resource languages %q, File table %q", f.Key, got, f.Language)
					}
				}
			}
			if read != len(refs) {
				t.Errorf("%d files read, install.Extract delivers %d", read, len(refs))
			}
			for _, b := range inv.Binaries {
				st, err := db.OpenStream(b.Name)
				if err != nil {
					t.Fatal(err)
				}
				data, err := io.ReadAll(st)
				if err != nil {
					t.Fatal(err)
				}
				ref := referenceOf(data)
				if !bytes.Equal(b.SHA256, ref.sha256) || !bytes.Equal(b.SHA1, ref.sha1) {
					t.Errorf("stream %s: hashes differ from the stream's", b.Name)
				}
				if diff := cmp.Diff(ref.pe, b.PE, errText); diff != "" {
					t.Errorf("stream %s: PE (-whole +forward):\n%s", b.Name, diff)
				}
				if diff := cmp.Diff(ref.nested, b.Nested); diff != "" {
					t.Errorf("stream %s: nested cabinet (-whole +forward):\n%s", b.Name, diff)
				}
			}
			if msiextract != "" && db.Kind() == msi.PackageInstaller {
				if checkMsiextract(t, msiextract, path, inv) {
					mu.Lock()
					oracle++
					mu.Unlock()
				}
			}
			// Without options, and with what msikit sbom passes.
			cli := &WriteOptions{Created: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), ToolVersion: "(devel)"}
			for _, format := range []string{"cyclonedx", "spdx"} {
				for _, opts := range []*WriteOptions{nil, cli} {
					doc := write(t, inv, format, opts)
					checkSchema(t, format, doc)
					if again := write(t, inv, format, opts); !bytes.Equal(doc, again) {
						t.Errorf("%s: two writes of one inventory differ", format)
					}
				}
			}
			mu.Lock()
			pkgs++
			files += read
			pes += npe
			md5s += nmd5
			versions += nver
			languages += nlang
			dotnets += nnet
			streams += len(inv.Binaries)
			mu.Unlock()
		})
	}
}

// checkMsiextract runs msiextract on the package and checks that every
// file it writes is in the inventory, by SHA-256. It reports false when
// msiextract cannot read the package.
func checkMsiextract(t *testing.T, msiextract, path string, inv *Inventory) bool {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command(msiextract, "-C", dir, path).CombinedOutput(); err != nil {
		t.Logf("msiextract cannot read it: %v: %s", err, bytes.TrimSpace(out))
		return false
	}
	ours := map[string]int{}
	for _, f := range inv.Files {
		ours[hex.EncodeToString(f.SHA256)]++
	}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		if k := hex.EncodeToString(sum[:]); ours[k] > 0 {
			ours[k]--
		} else {
			rel, _ := filepath.Rel(dir, p)
			t.Errorf("msiextract writes %s (SHA-256 %s), which the inventory does not list", rel, k)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return true
}
