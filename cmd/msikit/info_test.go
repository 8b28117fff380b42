package main

import (
	"bytes"
	stdflag "flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// update rewrites the golden files under testdata/ (go test -update).
var update = stdflag.Bool("update", false, "rewrite the golden files under testdata/")

// samplePath is the package shipped in testdata/.
func samplePath() string { return filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi") }

// badInputs makes the three kinds of bad input every msi command must
// reject with exit status 1 and one line "msikit: <file>: <reason>": a
// missing file, a file that is not a compound file, and a compound file
// whose database is corrupt (every table stream cut to one byte).
func badInputs(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	notMSI := filepath.Join(dir, "notmsi.msi")
	if err := os.WriteFile(notMSI, []byte("This is plain text, not a package.\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(dir, "corrupt.msi")
	rc, err := cfb.OpenReader(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var out bytes.Buffer
	w := cfb.NewWriter(&out, nil)
	w.SetRoot(cfb.Header{CLSID: rc.Root.CLSID})
	for _, e := range rc.Root.Children {
		if e.Type == cfb.TypeStream && len(e.RawName) > 0 && e.RawName[0] == 0x4840 {
			h := &cfb.Header{RawName: e.RawName, CLSID: e.CLSID}
			if err := w.CreateHeaderFrom("", h, bytes.NewReader([]byte{1}), 1); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := w.Copy(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(corrupt, out.Bytes(), 0o666); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"missing": filepath.Join(dir, "missing.msi"),
		"not-msi": notMSI,
		"corrupt": corrupt,
	}
}

// checkBadInputs runs args (with "FILE" replaced by each bad input) and
// checks exit status 1 with one error line naming the file.
func checkBadInputs(t *testing.T, args ...string) {
	t.Helper()
	for kind, file := range badInputs(t) {
		t.Run(kind, func(t *testing.T) {
			a := make([]string, len(args))
			for i, s := range args {
				a[i] = strings.ReplaceAll(s, "FILE", file)
			}
			code, _, stderr := runCLI(t, a...)
			if code != exitFailure {
				t.Fatalf("%q: exit %d, want %d (stderr %q)", a, code, exitFailure, stderr)
			}
			if !strings.HasPrefix(stderr, "msikit: "+file+": ") || strings.Count(stderr, "\n") != 1 {
				t.Errorf("%q: stderr %q, want one line \"msikit: %s: <reason>\"", a, stderr, file)
			}
		})
	}
}

// checkUsage runs each argument list and expects exit status 2 with a
// usage message.
func checkUsage(t *testing.T, cases ...[]string) {
	t.Helper()
	for _, args := range cases {
		code, stdout, stderr := runCLI(t, args...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
		// One line: "msikit CMD: <reason> (see 'msikit help CMD')".
		if stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") ||
			!strings.HasPrefix(stderr, "msikit "+args[0]+": ") || !strings.Contains(stderr, "(see 'msikit help "+args[0]) {
			t.Errorf("%q: stdout %q, stderr %q: want a one-line usage error on stderr only", args, stdout, stderr)
		}
	}
}

// checkGolden runs args and compares stdout with testdata/msi/name.golden
// (rewritten with -update). The sample path is replaced by a fixed
// name so the golden files do not depend on the checkout location.
func checkGolden(t *testing.T, name string, args ...string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("%q: exit %d, stderr %q", args, code, stderr)
	}
	stdout = strings.ReplaceAll(stdout, samplePath(), "testdata/sample.msi")
	golden := filepath.Join("testdata", "msi", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(stdout), 0o666); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), stdout); diff != "" {
		t.Errorf("%q: stdout differs from %s (-want +got):\n%s", args, golden, diff)
	}
}

func TestInfoCommand(t *testing.T) {
	checkUsage(t, []string{"info"}, []string{"info", "a.msi", "b.msi"}, []string{"info", "--bogus", "a.msi"})
	checkBadInputs(t, "info", "FILE")
	checkGolden(t, "info", "info", samplePath())
	checkGolden(t, "info-json", "info", "--json", samplePath())
}

// TestFiletimeRFC3339: info's summary times, including the years past
// 9999 a FILETIME reaches (it once cut "10000/01/01 00:00:00" to
// "10000-01-0T 00:00:00Z").
func TestFiletimeRFC3339(t *testing.T) {
	for ft, want := range map[cfb.Filetime]string{
		0:                   "1601-01-01T00:00:00Z",
		128279099149999999:  "2007-07-03T04:18:34Z",
		2650467744000000000: "10000-01-01T00:00:00Z",
		math.MaxUint64:      "60056-05-28T05:36:10Z",
	} {
		if got := filetimeRFC3339(msi.Property{Type: msi.PropFiletime, Time: ft}); got != want {
			t.Errorf("filetimeRFC3339(%d) = %q, want %q", ft, got, want)
		}
	}
}
