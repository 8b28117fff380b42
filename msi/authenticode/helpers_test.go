package authenticode

import (
	"bytes"
	"context"
	"crypto"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

const samplePkg = "../../testdata/sample.msi"

// osslResult is what `osslsigncode verify` printed about a package.
type osslResult struct {
	out                    string
	ok                     bool // "Succeeded"
	current, calculated    string
	currentEx, calculateEx string
	hasEx                  bool
}

var reOSSLDigests = regexp.MustCompile(`(?m)^(Current|Calculated) (DigitalSignature|MsiDigitalSignatureEx)\s*: ([0-9A-F]+)`)

// osslVerify runs osslsigncode verify on path, trusting caFile (also for
// timestamps) when given. CRL downloads are turned off: nothing leaves
// the machine.
func osslVerify(t *testing.T, ossl, path, caFile string) osslResult {
	t.Helper()
	args := []string{"verify", "-ignore-cdp", "-ignore-crl", "-in", path}
	if caFile != "" {
		args = append(args, "-CAfile", caFile, "-TSA-CAfile", caFile)
	}
	cmd := exec.Command(ossl, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r := osslResult{out: out.String(), ok: err == nil && strings.Contains(out.String(), "\nSucceeded")}
	for _, m := range reOSSLDigests.FindAllStringSubmatch(r.out, -1) {
		switch m[1] + m[2] {
		case "CurrentDigitalSignature":
			r.current = m[3]
		case "CalculatedDigitalSignature":
			r.calculated = m[3]
		case "CurrentMsiDigitalSignatureEx":
			r.currentEx, r.hasEx = m[3], true
		case "CalculatedMsiDigitalSignatureEx":
			r.calculateEx = m[3]
		}
	}
	return r
}

// digestsOK is osslsigncode's verdict on the digests alone.
func (r osslResult) digestsOK() bool {
	return r.current != "" && r.current == r.calculated && (!r.hasEx || r.currentEx == r.calculateEx)
}

func hexUpper(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// loadPKISigner returns SignOptions for p's code-signing certificate,
// read back through ParsePEM.
func loadPKISigner(t *testing.T, p *testenv.PKI, h crypto.Hash, ex bool) *SignOptions {
	t.Helper()
	certPEM, err := os.ReadFile(p.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(p.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	key, certs, err := ParsePEM(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &SignOptions{Signer: key, Certificates: certs, Hash: h, Extended: ex}
}

// signTo signs src into a new file in t's temp folder and returns its path.
func signTo(t *testing.T, src string, opts *SignOptions) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "signed-"+filepath.Base(src))
	if err := SignFile(context.Background(), dst, src, false, opts); err != nil {
		t.Fatal(err)
	}
	return dst
}

// rootsOf returns a pool holding p's root.
func verifyWith(p *testenv.PKI) *VerifyOptions {
	pool := newPool(p.Root)
	return &VerifyOptions{Roots: pool}
}

// rebuild writes a copy of the package at src through the cfb writer with
// edit applied to each root child (return false to leave it out), plus
// extra entries.
type streamEdit func(w *cfb.Writer, e *cfb.Entry) (handled bool, err error)

func rebuild(t *testing.T, src, dst string, edit streamEdit, extra func(w *cfb.Writer) error) {
	t.Helper()
	rc, err := cfb.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	w := cfb.NewWriter(&buf, &cfb.WriterOptions{Version: rc.Version})
	r := rc.Root
	w.SetRoot(cfb.Header{RawName: r.RawName, CLSID: r.CLSID, StateBits: r.StateBits, Created: r.Created, Modified: r.Modified})
	for _, e := range rc.Root.Children {
		if edit != nil {
			handled, err := edit(w, e)
			if err != nil {
				t.Fatal(err)
			}
			if handled {
				continue
			}
		}
		if err := w.Copy(e); err != nil {
			t.Fatal(err)
		}
	}
	if extra != nil {
		if err := extra(w); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// oddPackage builds a package from the sample with the shapes the digest
// order must get right: a sub-storage with a CLSID, state bits and times
// holding streams whose names are prefixes of each other and an empty
// stream, a storage nested in it (when nested is set), and root streams
// "X", "XY" and an empty one.
//
// osslsigncode 2.9 corrupts a package with a storage nested two levels
// deep when it signs it (it writes a directory entry twice and drops most
// streams; olefile lists 9 of 44 entries), so the packages it signs in
// these tests have one level, as patches do.
func oddPackage(t *testing.T, nested bool) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "odd.msi")
	clsid, _ := cfb.ParseGUID("{000C1082-0000-0000-C000-000000000046}")
	rebuild(t, samplePkg, dst, func(w *cfb.Writer, e *cfb.Entry) (bool, error) {
		return e.Name == msi.DigitalSignatureStream || e.Name == msi.DigitalSignatureExStream, nil
	}, func(w *cfb.Writer) error {
		now := cfb.FiletimeOf(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC))
		if err := w.MkdirHeader("", &cfb.Header{Name: "Sub", CLSID: clsid, StateBits: 7, Created: now, Modified: now + 1}); err != nil {
			return err
		}
		for _, s := range []struct{ path, data string }{
			{"Sub/a", "first"}, {"Sub/ab", "second"}, {"Sub/abc", ""}, {"Sub/B", "upper"},
			{"X", "root x"}, {"XY", "root xy"}, {"Empty", ""},
		} {
			if err := w.CreateFrom(s.path, strings.NewReader(s.data), int64(len(s.data))); err != nil {
				return err
			}
		}
		if nested {
			return w.CreateFrom("Sub/Inner/x", strings.NewReader("deep"), 4)
		}
		return nil
	})
	return dst
}
