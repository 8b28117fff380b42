package msi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
)

// failWriter fails with err after n bytes.
type failWriter struct {
	n   int
	err error
}

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, f.err
	}
	f.n -= len(p)
	return len(p), nil
}

// editedSample returns a modified copy of the sample with a large new
// stream (so writes take a while).
func editedSample(t *testing.T) *Database {
	t.Helper()
	db, _ := coreOpenCopy(t, coreSample)
	prop, _ := db.Table("Property")
	if err := prop.Insert(StrValue("FAULTTEST"), StrValue("1")); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	if err := db.SetStream("Big.bin", bytes.NewReader(big), int64(len(big))); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestWriteErrors(t *testing.T) {
	for _, n := range []int{0, 100, 4096, 300000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			db := editedSample(t)
			_, err := db.WriteTo(&failWriter{n: n, err: syscall.ENOSPC})
			if !errors.Is(err, syscall.ENOSPC) {
				t.Errorf("got %v, want an error wrapping ENOSPC", err)
			}
		})
	}
}

// slowReaderAt delays every read, so a child process can be killed while
// it is writing.
type slowReaderAt struct {
	r     io.ReaderAt
	delay time.Duration
}

func (s slowReaderAt) ReadAt(p []byte, off int64) (int, error) {
	time.Sleep(s.delay)
	return s.r.ReadAt(p, off)
}

// failReaderAt fails after n bytes.
type failReaderAt struct {
	r io.ReaderAt
	n int64
}

func (f failReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.n {
		return 0, errors.New("injected read failure")
	}
	return f.r.ReadAt(p, off)
}

// TestSaveFailureKeepsOldFile makes Save fail half-way (a stream source
// that fails) and checks the destination keeps its old content and no
// temporary file is left.
func TestSaveFailureKeepsOldFile(t *testing.T) {
	db, in := coreOpenCopy(t, coreSample)
	inSum := coreSHA(t, in)
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.msi")
	old := []byte("previous content")
	os.WriteFile(dst, old, 0o644)
	big := bytes.Repeat([]byte{7}, 1<<20)
	db.SetStream("Big.bin", failReaderAt{bytes.NewReader(big), 1 << 19}, int64(len(big)))
	if err := db.Save(dst, nil); err == nil {
		t.Fatal("Save succeeded with a failing stream")
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, old) {
		t.Errorf("destination changed: %d bytes", len(got))
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("left files behind: %v", ents)
	}
	if coreSHA(t, in) != inSum {
		t.Error("input modified")
	}
}

// Save flushes to stable storage when asked, and always when it replaces
// the file the database was opened from, however that file is named.
func TestSaveSyncs(t *testing.T) {
	db, in := coreOpenCopy(t, coreSample)
	dir := filepath.Dir(in)
	link := filepath.Join(t.TempDir(), "link.msi")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.msi")
	os.WriteFile(other, []byte("old"), 0o644)
	for _, tt := range []struct {
		path string
		opts SaveOptions
		want bool
	}{
		{filepath.Join(dir, "new.msi"), SaveOptions{}, false},
		{other, SaveOptions{}, false},
		{other, SaveOptions{InPlace: true}, false},
		{filepath.Join(dir, "new.msi"), SaveOptions{Sync: true}, true},
		{in, SaveOptions{InPlace: true}, true},
		{filepath.Join(dir, ".", filepath.Base(in)), SaveOptions{InPlace: true}, true},
		{link, SaveOptions{InPlace: true}, true},
	} {
		if got := db.saveSyncs(tt.path, &tt.opts); got != tt.want {
			t.Errorf("saveSyncs(%s, %+v) = %v, want %v", tt.path, tt.opts, got, tt.want)
		}
	}
}

// TestSaveKilled re-executes the test binary to save a database slowly,
// kills it with SIGKILL mid-write, and checks the destination is the old
// file, never a partial one, and the input is unchanged.
func TestSaveKilled(t *testing.T) {
	if os.Getenv("MSIKIT_SAVE_CHILD") != "" {
		saveChild()
		return
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.msi")
	b, _ := os.ReadFile(coreSample)
	os.WriteFile(in, b, 0o644)
	inSum := coreSHA(t, in)
	dst := filepath.Join(dir, "out.msi")
	old := []byte("previous content")
	os.WriteFile(dst, old, 0o644)

	cmd := exec.Command(os.Args[0], "-test.run=^TestSaveKilled$")
	cmd.Env = append(os.Environ(), "MSIKIT_SAVE_CHILD="+in+"|"+dst)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the temporary file has data, then kill.
	deadline := time.Now().Add(20 * time.Second)
	killed := false
	for time.Now().Before(deadline) {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.Contains(e.Name(), ".tmp-") {
				if fi, err := e.Info(); err == nil && fi.Size() > 0 {
					cmd.Process.Signal(syscall.SIGKILL)
					killed = true
				}
			}
		}
		if killed {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("child never started writing; stderr:\n%s", stderr.String())
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, old) {
		t.Errorf("destination is not the old file after SIGKILL (%d bytes)", len(got))
	}
	if coreSHA(t, in) != inSum {
		t.Error("input modified")
	}
}

// saveChild runs in the child process of TestSaveKilled.
func saveChild() {
	in, dst, _ := strings.Cut(os.Getenv("MSIKIT_SAVE_CHILD"), "|")
	db, err := Open(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	big := bytes.Repeat([]byte{9}, 8<<20)
	db.SetStream("Big.bin", slowReaderAt{bytes.NewReader(big), 20 * time.Millisecond}, int64(len(big)))
	err = db.Save(dst, nil)
	fmt.Fprintln(os.Stderr, "child finished:", err)
	os.Exit(0)
}

// TestSignedRefused checks that a changed signed package is refused
// without DropSignature (input untouched, no output), and that with it
// the output has no signature streams.
func TestSignedRefused(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("corpus not available")
	}
	src := filepath.Join(dir, "real", "jsign-minimal-signed-with-signtool.msi")
	db, in := coreOpenCopy(t, src)
	if !db.Signed() {
		t.Fatal("fixture not detected as signed")
	}
	inSum := coreSHA(t, in)
	prop, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	if err := prop.Insert(StrValue("EDITED"), StrValue("1")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.msi")
	err = db.Save(out, nil)
	if !errors.Is(err, ErrSigned) {
		t.Fatalf("got %v, want ErrSigned", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("output created for a refused write")
	}
	if _, err := db.WriteTo(io.Discard); !errors.Is(err, ErrSigned) {
		t.Errorf("WriteTo: got %v, want ErrSigned", err)
	}
	if err := db.Save(out, &SaveOptions{WriteOptions: WriteOptions{DropSignature: true}}); err != nil {
		t.Fatal(err)
	}
	if coreSHA(t, in) != inSum {
		t.Error("input modified")
	}
	db2, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if db2.Signed() {
		t.Error("signature streams kept")
	}
	for _, s := range db2.Streams() {
		if strings.Contains(s.Name, "Signature") {
			t.Errorf("stream %q kept", s.Name)
		}
	}
	if err := db.Save(in, &SaveOptions{WriteOptions: WriteOptions{DropSignature: true}}); err == nil {
		t.Error("Save over the input without InPlace succeeded")
	}
	if coreSHA(t, in) != inSum {
		t.Error("input modified")
	}
	osslsignRoundTrip(t, out)
}

// osslsignRoundTrip signs file with a fresh self-signed certificate using
// osslsigncode and verifies the result.
func osslsignRoundTrip(t *testing.T, file string) {
	oss := testenv.NeedTool(t, "osslsigncode", "osslsigncode")
	dir := t.TempDir()
	cert, keyf := testenv.SigningCert(t)
	signed := filepath.Join(dir, "signed.msi")
	if out, err := exec.Command(oss, "sign", "-certs", cert, "-key", keyf, "-in", file, "-out", signed).CombinedOutput(); err != nil {
		t.Fatalf("osslsigncode sign: %v\n%s", err, out)
	}
	out, err := exec.Command(oss, "verify", "-CAfile", cert, "-ignore-cdp", "-in", signed).CombinedOutput()
	if err != nil {
		t.Fatalf("osslsigncode verify: %v\n%s", err, out)
	}
	t.Logf("osslsigncode verify:\n%s", out)
	if !strings.Contains(string(out), "Signature verification: ok") {
		t.Errorf("osslsigncode verify did not report success:\n%s", out)
	}
}

// garbageWriter replaces every byte from offset from on with 0xA5.
type garbageWriter struct {
	w    io.Writer
	off  int64
	from int64
}

func (g *garbageWriter) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	for i := range b {
		if g.off+int64(i) >= g.from {
			b[i] = 0xA5
		}
	}
	g.off += int64(len(p))
	return g.w.Write(b)
}

// Save reads its output back before renaming it into place: a writer that
// produces garbage (a broken container, or a table stream that does not
// decode) is caught, the destination keeps its old bytes and no temporary
// file is left.
func TestSaveChecksOutput(t *testing.T) {
	for _, tt := range []struct {
		name string
		set  func()
	}{
		{"garbage from the start", func() {
			saveHook = func(w io.Writer) io.Writer { return &garbageWriter{w: w} }
		}},
		{"garbage after the header", func() {
			saveHook = func(w io.Writer) io.Writer { return &garbageWriter{w: w, from: 512} }
		}},
		{"a changed table cut mid-row", func() {
			planHook = func(p *writePlan) {
				if s := p.tables["Property"]; s.size > 0 {
					p.tables["Property"] = planStream{s.r, s.size - 1}
				}
			}
		}},
		{"a string pool claiming more than its data", func() {
			planHook = func(p *writePlan) {
				s := p.tables[dataStream]
				p.tables[dataStream] = planStream{s.r, s.size / 2}
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.set()
			defer func() { saveHook, planHook = nil, nil }()
			db := openSample(t)
			props, _ := db.Table("Property")
			if err := props.Insert(StrValue("NEWPROP"), StrValue("value")); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			dst := filepath.Join(dir, "out.msi")
			if err := os.WriteFile(dst, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := db.Save(dst, nil)
			if err == nil || !strings.Contains(err.Error(), "does not read back") {
				t.Fatalf("Save = %v, want a read-back failure", err)
			}
			if b, _ := os.ReadFile(dst); string(b) != "old" {
				t.Errorf("destination now holds %d bytes, want the old file", len(b))
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 1 {
				t.Errorf("folder holds %v", ents)
			}
		})
	}
	// Without the hooks the same save succeeds.
	db := openSample(t)
	props, _ := db.Table("Property")
	if err := props.Insert(StrValue("NEWPROP"), StrValue("value")); err != nil {
		t.Fatal(err)
	}
	if err := db.Save(filepath.Join(t.TempDir(), "out.msi"), nil); err != nil {
		t.Fatal(err)
	}
}
