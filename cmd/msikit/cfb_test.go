package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cfb"
)

// writeCFB builds a small compound file with a control-character name, a
// storage with a CLSID and exact times, and a stream big enough for the
// regular FAT.
func writeCFB(t *testing.T) (string, map[string][]byte) {
	t.Helper()
	clsid, err := cfb.ParseGUID("{000C1084-0000-0000-C000-000000000046}")
	if err != nil {
		t.Fatal(err)
	}
	streams := map[string][]byte{
		"\x05SummaryInformation": []byte("summary"),
		"sub/big":                bytes.Repeat([]byte("0123456789"), 1000),
	}
	var buf bytes.Buffer
	w := cfb.NewWriter(&buf, nil)
	w.SetRoot(cfb.Header{CLSID: clsid, Modified: 133000000001234567})
	if err := w.Mkdir("sub", &cfb.Header{StateBits: 0x2a, Created: 133000000000000001}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"\x05SummaryInformation", "sub/big"} {
		data := streams[name]
		if err := w.CreateFrom(name, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.CreateHeaderFrom("sub", &cfb.Header{Name: "a/b"}, bytes.NewReader(nil), 0); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "t.msi")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, streams
}

func TestCFBLs(t *testing.T) {
	path, _ := writeCFB(t)
	code, out, errOut := runCLI(t, "cfb", "ls", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `TYPE     SIZE   CLSID                                   STATE     CREATED                       MODIFIED                      PATH
root     -      {000C1084-0000-0000-C000-000000000046}  00000000  -                             2022-06-18T04:26:40.1234567Z  /
storage  -      -                                       0000002a  2022-06-18T04:26:40.0000001Z  -                             sub
stream   0      -                                       00000000  -                             -                             sub/a\x2fb
stream   10000  -                                       00000000  -                             -                             sub/big
stream   7      -                                       00000000  -                             -                             \x05SummaryInformation
`
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("ls output (-want +got):\n%s", diff)
	}
}

func TestCFBCat(t *testing.T) {
	path, streams := writeCFB(t)
	for _, tc := range []struct{ arg, stream string }{
		{`\x05SummaryInformation`, "\x05SummaryInformation"}, // escaped, as ls prints it
		{"\x05SummaryInformation", "\x05SummaryInformation"}, // literal
		{"sub/big", "sub/big"},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			code, out, errOut := runCLI(t, "cfb", "cat", path, tc.arg)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !bytes.Equal([]byte(out), streams[tc.stream]) {
				t.Errorf("cat %q gave %d bytes, want %d", tc.arg, len(out), len(streams[tc.stream]))
			}
		})
	}
}

func TestCFBRepack(t *testing.T) {
	path, streams := writeCFB(t)
	out := filepath.Join(t.TempDir(), "out.msi")
	for _, args := range [][]string{
		{"cfb", "repack", path, "-o", out},
		{"cfb", "repack", path, "-o", out, "--version", "4"},
	} {
		code, _, errOut := runCLI(t, args...)
		if code != exitOK {
			t.Fatalf("%q: exit %d: %s", args, code, errOut)
		}
		r, err := cfb.OpenReader(out)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]byte{}
		for _, e := range r.Entries() {
			if e.Type == cfb.TypeStream && e.Size > 0 {
				s, _ := e.Open()
				b := make([]byte, e.Size)
				if _, err := s.Read(b); err != nil {
					t.Fatal(err)
				}
				got[e.Path] = b
			}
		}
		if diff := cmp.Diff(streams, got); diff != "" {
			t.Errorf("%q: streams differ (-want +got):\n%s", args, diff)
		}
		if sub := r.Lookup("sub"); sub == nil || sub.StateBits != 0x2a || sub.Created != 133000000000000001 {
			t.Errorf("%q: storage metadata lost: %+v", args, sub)
		}
		r.Close()
	}
}

func TestCFBErrors(t *testing.T) {
	path, _ := writeCFB(t)
	bad := filepath.Join(t.TempDir(), "bad.msi")
	if err := os.WriteFile(bad, []byte("this is not a compound file, only text......"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"cfb", "ls"}, exitUsage, "want exactly one FILE"},
		{[]string{"cfb", "cat", path}, exitUsage, "want FILE and PATH"},
		{[]string{"cfb", "repack", path}, exitUsage, "-o OUT is required"},
		{[]string{"cfb", "repack", path, "-o", path}, exitFailure, "same file"},
		{[]string{"cfb", "repack", path, "-o", bad + ".out", "--version", "5"}, exitUsage, "--version must be 3 or 4"},
		{[]string{"cfb", "ls", bad}, exitFailure, "msikit: " + bad + ": cfb: file is 44 bytes"},
		{[]string{"cfb", "cat", path, "nope"}, exitFailure, `no entry "nope"`},
		{[]string{"cfb", "cat", path, "sub"}, exitFailure, "is a storage, not a stream"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errOut := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tc.code, tc.stderr)
			}
		})
	}
}

// cfb repack reads its output back before the rename: a writer producing
// garbage fails the command and leaves the destination as it was.
func TestCFBRepackChecksOutput(t *testing.T) {
	old := cfbRepackHook
	defer func() { cfbRepackHook = old }()
	cfbRepackHook = func(w io.Writer) io.Writer { return &garbageAfter{w: w, from: 512} }
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.msi")
	if err := os.WriteFile(dst, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "cfb", "repack", samplePath(), "-o", dst)
	if code != exitFailure || !strings.Contains(stderr, "does not read back") {
		t.Fatalf("exit %d, stderr %q; want a read-back failure", code, stderr)
	}
	if b, _ := os.ReadFile(dst); string(b) != "old" {
		t.Errorf("destination now holds %d bytes", len(b))
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("folder holds %v", ents)
	}
}

// garbageAfter replaces every byte from offset from on with 0xA5.
type garbageAfter struct {
	w         io.Writer
	from, off int64
}

func (g *garbageAfter) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	for i := range b {
		if g.off+int64(i) >= g.from {
			b[i] = 0xA5
		}
	}
	g.off += int64(len(p))
	return g.w.Write(b)
}
