package cab

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
)

// embeddedCab is a cabinet stored as a stream of a corpus package.
type embeddedCab struct {
	pkg  string // package path
	name string // unpacked stream name ("Disk1.CAB")
	data []byte
}

// unpackStreamName decodes an MSI stream name packed two characters per
// UTF-16 unit (see FORMAT-NOTES).
func unpackStreamName(name string) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"
	var sb strings.Builder
	for _, r := range name {
		switch {
		case r >= 0x3800 && r < 0x4800:
			v := int(r - 0x3800)
			sb.WriteByte(alphabet[v&0x3f])
			sb.WriteByte(alphabet[v>>6&0x3f])
		case r >= 0x4800 && r < 0x4840:
			sb.WriteByte(alphabet[r-0x4800])
		case r == 0x4840:
			sb.WriteString("!")
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// packageCabs returns the cabinets embedded in the package at path, found
// by content (streams starting with "MSCF").
func packageCabs(t testing.TB, path string) []embeddedCab {
	t.Helper()
	r, err := cfb.OpenReader(path)
	if err != nil {
		return nil // not a compound file (the corpus has deliberately broken ones)
	}
	defer r.Close()
	var cabs []embeddedCab
	for _, e := range r.Entries() {
		if e.Type != cfb.TypeStream || e.Size < headerSize {
			continue
		}
		s, err := e.Open()
		if err != nil {
			t.Fatalf("%s: open stream %q: %v", path, e.Path, err)
		}
		var sig [4]byte
		if _, err := s.ReadAt(sig[:], 0); err != nil || string(sig[:]) != "MSCF" {
			continue
		}
		data, err := io.ReadAll(io.NewSectionReader(s, 0, e.Size))
		if err != nil {
			t.Fatalf("%s: read stream %q: %v", path, e.Path, err)
		}
		cabs = append(cabs, embeddedCab{pkg: path, name: unpackStreamName(e.Name), data: data})
	}
	return cabs
}

// setOpener returns a ReaderOptions whose OpenCabinet finds sibling cabinets
// among cabs by name (case-insensitively).
func setOpener(cabs []embeddedCab) *ReaderOptions {
	return &ReaderOptions{OpenCabinet: func(name string) (io.ReaderAt, int64, error) {
		for _, c := range cabs {
			if strings.EqualFold(c.name, name) {
				return bytes.NewReader(c.data), int64(len(c.data)), nil
			}
		}
		return nil, 0, os.ErrNotExist
	}}
}

// extracted is what one file decoded to.
type extracted struct {
	Size   int64
	SHA256 string
	MD5    [16]byte
}

// readFile decodes f fully.
func readFile(f *File) (extracted, error) {
	rc, err := f.Open()
	if err != nil {
		return extracted{}, err
	}
	defer rc.Close()
	hs, hm := sha256.New(), md5.New()
	n, err := io.Copy(io.MultiWriter(hs, hm), rc)
	if err != nil {
		return extracted{}, err
	}
	return extracted{Size: n, SHA256: hex.EncodeToString(hs.Sum(nil)), MD5: [16]byte(hm.Sum(nil))}, nil
}

// gcabSums extracts data with gcab -x and returns name → SHA-256, or an
// error if gcab fails.
func gcabSums(t testing.TB, gcab string, data []byte) (map[string]string, error) {
	t.Helper()
	dir := t.TempDir()
	cabPath := filepath.Join(dir, "in.cab")
	if err := os.WriteFile(cabPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gcab, "-x", "-n", "-C", out, cabPath)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("gcab: %v: %s", err, bytes.TrimSpace(msg))
	}
	sums := make(map[string]string)
	err := filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		h := sha256.Sum256(b)
		sums[filepath.ToSlash(rel)] = hex.EncodeToString(h[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums, nil
}

// oracleTable exports table from the package with msiinfo and returns its rows
// (tab-separated fields), or nil if the table does not exist.
func oracleTable(t testing.TB, msiinfo, pkg, table string) [][]string {
	t.Helper()
	out, err := testenv.Command(t, msiinfo, "export", pkg, table).Output()
	if err != nil {
		return nil
	}
	var rows [][]string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 0; sc.Scan(); line++ {
		if line < 3 {
			continue // column names, types, table/keys
		}
		rows = append(rows, strings.Split(strings.TrimRight(sc.Text(), "\r"), "\t"))
	}
	return rows
}

// msiFileFacts returns File key → FileSize, and File key → MD5 from
// MsiFileHash (the four int columns are the MD5 as little-endian int32s).
func msiFileFacts(t testing.TB, msiinfo, pkg string) (sizes map[string]int64, hashes map[string][16]byte) {
	t.Helper()
	sizes = make(map[string]int64)
	for _, row := range oracleTable(t, msiinfo, pkg, "File") {
		if len(row) < 4 {
			continue
		}
		n, err := strconv.ParseInt(row[3], 10, 64)
		if err == nil {
			sizes[row[0]] = n
		}
	}
	hashes = make(map[string][16]byte)
	for _, row := range oracleTable(t, msiinfo, pkg, "MsiFileHash") {
		if len(row) < 6 {
			continue
		}
		var sum [16]byte
		ok := true
		for i := 0; i < 4; i++ {
			v, err := strconv.ParseInt(row[2+i], 10, 64)
			if err != nil {
				ok = false
				break
			}
			binary.LittleEndian.PutUint32(sum[4*i:], uint32(int32(v)))
		}
		if ok {
			hashes[row[0]] = sum
		}
	}
	return sizes, hashes
}

// corpusPackages returns the corpus packages, or skips.
func corpusPackages(t testing.TB) []string {
	t.Helper()
	return testenv.CorpusFiles(t)
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
