package cfb

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// repackedCorpus repacks every readable corpus file into dir and returns
// original → repacked paths, plus the streams each original's reader
// reports as truncated (whose bytes past the end cannot agree).
type repackedFile struct {
	orig, out string
	missing   map[string]bool // streams with bytes past the end of a truncated original
	reader    *Reader
}

func repackCorpus(t *testing.T) []repackedFile {
	t.Helper()
	dir := t.TempDir()
	var out []repackedFile
	for _, path := range testenv.CorpusFiles(t) {
		rc, err := OpenReader(path)
		if err != nil {
			if testenv.IsCorrupt(path) && errors.Is(err, ErrFormat) {
				continue
			}
			t.Fatal(err)
		}
		data := repack(t, rc.Reader, nil)
		rf := repackedFile{orig: path, out: filepath.Join(dir, filepath.Base(path)), missing: map[string]bool{}}
		for _, e := range rc.Entries() {
			if e.missing > 0 {
				rf.missing[e.Path] = true
			}
		}
		rc.Close()
		if err := os.WriteFile(rf.out, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r2, err := NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		rf.reader = r2
		out = append(out, rf)
	}
	return out
}

const olefileScript = `
import hashlib, json, sys, olefile
def meta(d):
    return "%s %d %d %d %d" % (d.clsid, d.entry_type, d.dwUserFlags, d.createTime, d.modifyTime)
out = {}
for path in sys.argv[1:]:
    res = {}
    try:
        ole = olefile.OleFileIO(path)
        res["/"] = meta(ole.root)
        for entry in ole.listdir(streams=True, storages=True):
            d = ole.direntries[ole._find(entry)]
            key = "/".join(entry)
            res["meta:" + key] = meta(d)
            if d.entry_type == olefile.STGTY_STREAM:
                res[key] = hashlib.sha256(ole.openstream(entry).read()).hexdigest()
        ole.close()
    except Exception as e:
        res = {"!error": repr(e)}
    out[path] = res
json.dump(out, sys.stdout)
`

// TestOracleOlefile: python3-olefile lists the same streams with the same
// SHA-256s, and the same CLSIDs, types, state bits and times for every
// entry, for each original and its repacked file; and our reader agrees
// with olefile on the repacked file's stream bytes.
func TestOracleOlefile(t *testing.T) {
	py := testenv.NeedOlefile(t)
	files := repackCorpus(t)
	args := []string{"-c", olefileScript}
	for _, f := range files {
		args = append(args, f.orig, f.out)
	}
	cmd := exec.Command(py, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("olefile: %v\n%s", err, stderr.String())
	}
	var res map[string]map[string]string
	if err := json.Unmarshal(stdout, &res); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f.orig), func(t *testing.T) {
			orig, repacked := res[f.orig], res[f.out]
			if e, ok := repacked["!error"]; ok {
				t.Fatalf("olefile cannot read our output: %s", e)
			}
			if e, ok := orig["!error"]; ok {
				t.Skipf("olefile cannot read the original: %s", e)
			}
			for p := range f.missing {
				// The original is truncated inside this stream: olefile
				// returns it short, we return zeros for the missing part.
				t.Logf("stream %q is truncated in the original; not compared", p)
				delete(orig, p)
				delete(repacked, p)
			}
			if diff := cmp.Diff(orig, repacked); diff != "" {
				t.Errorf("olefile: original vs repacked (-orig +repacked):\n%s", diff)
			}
			ours := map[string]string{}
			for p, sum := range readAll(t, f.reader) {
				if !f.missing[p] {
					ours[p] = hex.EncodeToString(sum[:])
				}
			}
			streams := map[string]string{}
			for k, v := range repacked {
				if k != "/" && !strings.HasPrefix(k, "meta:") {
					streams[k] = v
				}
			}
			if len(streams) == 0 || len(repacked) == len(streams) {
				t.Fatalf("olefile listing lacks streams or metadata: %d of %d keys", len(streams), len(repacked))
			}
			if diff := cmp.Diff(streams, ours); diff != "" {
				t.Errorf("olefile vs our reader on the repacked file (-olefile +ours):\n%s", diff)
			}
		})
	}
}

// msiinfo runs msiinfo with args and returns its output, or an error
// carrying stderr.
func msiinfo(t testing.TB, bin string, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := testenv.Command(t, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", errors.New(err.Error() + ": " + stderr.String())
	}
	return stdout.String(), nil
}

// TestOracleMsiinfo: msiinfo lists the same tables, streams and summary
// information and exports every table identically for each original and
// its repacked file.
func TestOracleMsiinfo(t *testing.T) {
	bin := testenv.NeedTool(t, "msiinfo", "msitools")
	files := repackCorpus(t)
	for _, f := range files {
		t.Run(filepath.Base(f.orig), func(t *testing.T) {
			tables, err := msiinfo(t, bin, "tables", f.orig)
			if err != nil {
				t.Skipf("msiinfo cannot read the original: %v", err)
			}
			// Every msiinfo call, for the original and the repacked file;
			// msiinfo spends most of its time starting up, so run them
			// concurrently.
			var calls [][]string
			for _, sub := range []string{"tables", "streams", "suminfo"} {
				calls = append(calls, []string{sub})
			}
			for _, table := range strings.Fields(tables) {
				calls = append(calls, []string{"export", table})
			}
			type result struct {
				out string
				err error
			}
			results := make([][2]result, len(calls))
			var wg sync.WaitGroup
			sem := make(chan struct{}, 8)
			for i, c := range calls {
				for j, file := range []string{f.orig, f.out} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						sem <- struct{}{}
						defer func() { <-sem }()
						args := append([]string{c[0], file}, c[1:]...)
						out, err := msiinfo(t, bin, args...)
						results[i][j] = result{out, err}
					}()
				}
			}
			wg.Wait()
			for i, c := range calls {
				want, got := results[i][0], results[i][1]
				name := strings.Join(c, " ")
				switch {
				case want.err != nil && got.err == nil:
					t.Errorf("msiinfo %s fails on the original (%v) but not on the repacked file", name, want.err)
				case want.err != nil:
				case got.err != nil:
					t.Errorf("msiinfo %s on the repacked file: %v", name, got.err)
				case want.out != got.out:
					t.Errorf("msiinfo %s differs (-orig +repacked):\n%s", name, cmp.Diff(want.out, got.out))
				}
			}
		})
	}
}

var sigLine = regexp.MustCompile(`(?m)^(Current|Calculated) (DigitalSignature|MsiDigitalSignatureEx)\s*: (\S+)`)

// TestOracleOsslsigncode signs every repacked installer database with a
// throwaway self-signed certificate and verifies it; for originals that
// carry a signature, the repacked file must still hash to the value the
// signature holds.
func TestOracleOsslsigncode(t *testing.T) {
	bin := testenv.NeedTool(t, "osslsigncode", "osslsigncode")
	cert, key := testenv.SigningCert(t)
	files := repackCorpus(t)
	rootCLSID := GUID{0x84, 0x10, 0x0C, 0x00, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}
	n := 0
	for _, f := range files {
		if f.reader.Root.CLSID != rootCLSID || len(f.missing) > 0 {
			continue // installer databases only
		}
		n++
		t.Run(filepath.Base(f.orig), func(t *testing.T) {
			signed := f.out + ".signed.msi"
			if out, err := exec.Command(bin, "sign", "-certs", cert, "-key", key, "-in", f.out, "-out", signed).CombinedOutput(); err != nil {
				t.Fatalf("osslsigncode sign: %v\n%s", err, out)
			}
			out, err := exec.Command(bin, "verify", "-in", signed, "-CAfile", cert).CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("Signature verification: ok")) {
				t.Fatalf("osslsigncode verify: %v\n%s", err, out)
			}
			// An existing signature's content hash survives the repack.
			origOut, _ := exec.Command(bin, "verify", "-in", f.orig).CombinedOutput()
			repOut, _ := exec.Command(bin, "verify", "-in", f.out).CombinedOutput()
			want, got := sigLine.FindAllString(string(origOut), -1), sigLine.FindAllString(string(repOut), -1)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("signature hashes changed by the repack (-orig +repacked):\n%s", diff)
			}
		})
	}
	if n == 0 {
		t.Fatal("no installer databases in the corpus")
	}
}
