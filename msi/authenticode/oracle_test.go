package authenticode

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

var (
	reOSSLDigestAlg = regexp.MustCompile(`(?m)^Message digest algorithm\s*:\s*(\S+)`)
	reOSSLSubject   = regexp.MustCompile(`(?m)^\s*Subject: (/.*)$`)
)

// osslSubject turns osslsigncode's "/C=US/O=Org/CN=Name" into Go's
// pkix.Name form "CN=Name,O=Org,C=US".
func osslSubject(s string) string {
	parts := strings.Split(strings.TrimPrefix(s, "/"), "/")
	slices.Reverse(parts)
	return strings.Join(parts, ",")
}

// signedCorpus returns the corpus packages that carry a signature.
func signedCorpus(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, f := range testenv.CorpusFiles(t) {
		if testenv.IsCorrupt(f) {
			continue
		}
		rc, err := cfb.OpenReader(f)
		if err != nil {
			continue
		}
		if rc.Lookup(msi.DigitalSignatureStream) != nil {
			out = append(out, f)
		}
		rc.Close()
	}
	if len(out) == 0 {
		t.Skip("no signed package in the corpus")
	}
	return out
}

// TestCorpusDigestsMatchOsslsigncode checks every signed corpus package:
// msikit computes the same digests as osslsigncode (the exact values it
// prints), and finds the digests valid exactly when osslsigncode does.
// For those, the signature itself must verify too (without the chain,
// which osslsigncode cannot build offline for most of them either).
func TestCorpusDigestsMatchOsslsigncode(t *testing.T) {
	ossl := testenv.NeedTool(t, "osslsigncode", "osslsigncode")
	matched, mismatched := 0, 0
	for _, f := range signedCorpus(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want := osslVerify(t, ossl, f, "")
			if want.current == "" {
				t.Fatalf("osslsigncode printed no digest:\n%s", want.out)
			}
			sig, err := VerifyFile(f, &VerifyOptions{NoChain: true})
			if sig == nil {
				t.Fatalf("Verify: %v", err)
			}
			rc, err2 := cfb.OpenReader(f)
			if err2 != nil {
				t.Fatal(err2)
			}
			defer rc.Close()
			content, prehash, err2 := Digest(rc.Reader, sig.Hash, sig.Extended)
			if err2 != nil {
				t.Fatal(err2)
			}
			if got := hexUpper(content); got != want.calculated {
				t.Errorf("content digest %s, osslsigncode calculated %s", got, want.calculated)
			}
			if got := hexUpper(sig.Digest); got != want.current {
				t.Errorf("signed digest %s, osslsigncode read %s", got, want.current)
			}
			if want.hasEx {
				if got := hexUpper(prehash); got != want.calculateEx {
					t.Errorf("pre-hash %s, osslsigncode calculated %s", got, want.calculateEx)
				}
			}
			if m := reOSSLDigestAlg.FindStringSubmatch(want.out); m == nil || strings.Replace(m[1], "SHA", "SHA-", 1) != sig.Hash.String() {
				t.Errorf("digest algorithm %v, osslsigncode says %q", sig.Hash, m)
			}
			if m := reOSSLSubject.FindStringSubmatch(want.out); want.digestsOK() && (m == nil || osslSubject(m[1]) != sig.Signer.Subject.String()) {
				t.Errorf("signer %q, osslsigncode says %q", sig.Signer.Subject, m)
			}
			gotOK := !errors.Is(err, ErrDigestMismatch)
			if gotOK != want.digestsOK() {
				t.Fatalf("msikit digests ok = %v (%v), osslsigncode = %v", gotOK, err, want.digestsOK())
			}
			if !gotOK {
				mismatched++
				return
			}
			matched++
			if errors.Is(err, ErrBadSignature) || errors.Is(err, ErrFormat) {
				t.Errorf("signature of a package whose digests match: %v", err)
			}
		})
	}
	t.Logf("%d signed packages: %d with matching digests, %d mismatched (both tools agree)", matched+mismatched, matched, mismatched)
}

// TestTamperedCopiesFail changes one byte of each stream (or, for an
// empty stream, adds one) in a copy of every corpus package whose digests
// verify, and for packages with \x05MsiDigitalSignatureEx also one
// stream's modification time: each copy must fail with ErrDigestMismatch.
func TestTamperedCopiesFail(t *testing.T) {
	for _, f := range signedCorpus(t) {
		if _, err := VerifyFile(f, &VerifyOptions{NoChain: true}); errors.Is(err, ErrDigestMismatch) {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			rc, err := cfb.OpenReader(f)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			ex := rc.Lookup(msi.DigitalSignatureExStream) != nil
			dir := t.TempDir()
			n := 0
			for _, target := range rc.Entries() {
				if target.Type != cfb.TypeStream || isSignatureStream(target) {
					continue
				}
				if testing.Short() && n >= 3 {
					break
				}
				n++
				modes := []string{"byte"}
				if ex {
					modes = append(modes, "time")
				}
				for _, mode := range modes {
					dst := filepath.Join(dir, fmt.Sprintf("t%d-%s.msi", n, mode))
					tamper(t, rc.Reader, target, mode, dst)
					_, err := VerifyFile(dst, &VerifyOptions{NoChain: true})
					var de *DigestError
					if !errors.As(err, &de) {
						t.Fatalf("%s of %q changed: err = %v, want a DigestError", mode, target.Path, err)
					}
					if mode == "time" && !de.Extended {
						t.Errorf("time of %q changed: %v, want the metadata digest to differ", target.Path, err)
					}
				}
			}
		})
	}
}

// tamper writes a copy of cf to dst with target's first byte changed
// (mode "byte"; a byte is added to an empty stream) or its modification
// time changed (mode "time").
func tamper(t *testing.T, cf *cfb.Reader, target *cfb.Entry, mode, dst string) {
	t.Helper()
	var buf bytes.Buffer
	w := cfb.NewWriter(&buf, &cfb.WriterOptions{Version: cf.Version})
	r := cf.Root
	w.SetRoot(cfb.Header{RawName: r.RawName, CLSID: r.CLSID, StateBits: r.StateBits, Created: r.Created, Modified: r.Modified})
	var walk func(parent string, e *cfb.Entry) error
	walk = func(parent string, e *cfb.Entry) error {
		h := cfb.Header{RawName: e.RawName, CLSID: e.CLSID, StateBits: e.StateBits, Created: e.Created, Modified: e.Modified}
		if e.IsDir() {
			if err := w.MkdirHeader(parent, &h); err != nil {
				return err
			}
			p := e.Path
			for _, c := range e.Children {
				if err := walk(p, c); err != nil {
					return err
				}
			}
			return nil
		}
		if e != target {
			s, err := e.Open()
			if err != nil {
				return err
			}
			return w.CreateHeaderFrom(parent, &h, s, e.Size)
		}
		s, _ := e.Open()
		data := make([]byte, e.Size)
		if _, err := s.ReadAt(data, 0); err != nil && e.Size > 0 {
			return err
		}
		switch {
		case mode == "time":
			h.Modified++
		case len(data) == 0:
			data = []byte{0}
		default:
			data[0] ^= 0x01
		}
		return w.CreateHeaderFrom(parent, &h, bytes.NewReader(data), int64(len(data)))
	}
	for _, c := range cf.Root.Children {
		if err := walk("", c); err != nil {
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

var signInputs = []struct{ name, path string }{
	{"sample", samplePkg},
	{"osslsigncode-unsigned", "real/osslsigncode-unsigned.msi"},
	{"patch with storages", "real/wix3-GDR1-gdr1.msp"},
	{"signed by signtool, prefix names", "real/wix3-Hello_Reg_conditionalPass-hello_world.msi"},
}

func signInput(t *testing.T, p string) string {
	t.Helper()
	if filepath.IsAbs(p) || p == samplePkg {
		return p
	}
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("corpus not found")
	}
	return filepath.Join(dir, p)
}

// TestSignVerifiesWithOsslsigncode signs packages with RSA and ECDSA keys,
// every digest, with and without \x05MsiDigitalSignatureEx, and checks that
// osslsigncode verify accepts each (trusting the test root) and so does
// Verify.
func TestSignVerifiesWithOsslsigncode(t *testing.T) {
	ossl := testenv.NeedTool(t, "osslsigncode", "osslsigncode")
	inputs := append(signInputs, struct{ name, path string }{"odd shapes", oddPackage(t, true)})
	for _, kt := range []string{"rsa", "ecdsa"} {
		pki := testenv.NewPKI(t, kt, time.Time{}, time.Time{})
		for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			for _, ex := range []bool{false, true} {
				for _, in := range inputs {
					name := fmt.Sprintf("%s/%v/ex=%v/%s", kt, h, ex, in.name)
					t.Run(name, func(t *testing.T) {
						if testing.Short() && in.name != "odd shapes" {
							t.Skip("short")
						}
						src := signInput(t, in.path)
						out := signTo(t, src, loadPKISigner(t, pki, h, ex))
						r := osslVerify(t, ossl, out, pki.CAFile)
						if !r.ok || !r.digestsOK() || r.hasEx != ex {
							t.Fatalf("osslsigncode verify failed (Ex %v):\n%s", r.hasEx, r.out)
						}
						sig, err := VerifyFile(out, verifyWith(pki))
						if err != nil {
							t.Fatalf("Verify: %v", err)
						}
						if sig.Hash != h || sig.Extended != ex || sig.Signer == nil || !sig.Signer.Equal(pki.Leaf) || len(sig.Chains) == 0 {
							t.Errorf("Signature = %+v", sig)
						}
						checkCopiedStreams(t, src, out)
					})
				}
			}
		}
	}
}

// checkCopiedStreams checks that every entry of src but the signature
// streams is in signed, with the same bytes and metadata.
func checkCopiedStreams(t *testing.T, src, signed string) {
	t.Helper()
	a, err := cfb.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := cfb.OpenReader(signed)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.Root.CLSID != b.Root.CLSID || a.Root.StateBits != b.Root.StateBits || a.Version != b.Version {
		t.Errorf("root or version changed")
	}
	for _, e := range a.Entries()[1:] {
		if isSignatureStream(e) {
			continue
		}
		f := b.Lookup(e.Path)
		if f == nil {
			t.Errorf("%q lost", e.Path)
			continue
		}
		if f.CLSID != e.CLSID || f.StateBits != e.StateBits || f.Created != e.Created || f.Modified != e.Modified || f.Size != e.Size {
			t.Errorf("%q metadata changed", e.Path)
		}
		if e.Type == cfb.TypeStream && !bytes.Equal(readAll(t, e), readAll(t, f)) {
			t.Errorf("%q bytes changed", e.Path)
		}
	}
}

func readAll(t *testing.T, e *cfb.Entry) []byte {
	s, err := e.Open()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, e.Size)
	if _, err := s.ReadAt(b, 0); err != nil && e.Size > 0 {
		t.Fatal(err)
	}
	return b
}

// TestOsslsigncodeSignaturesVerify signs with osslsigncode (RSA and ECDSA
// keys, every digest, with and without -add-msi-dse, on the same inputs)
// and checks that Verify accepts each, trusting the test root.
func TestOsslsigncodeSignaturesVerify(t *testing.T) {
	ossl := testenv.NeedTool(t, "osslsigncode", "osslsigncode")
	inputs := append(signInputs, struct{ name, path string }{"odd shapes", oddPackage(t, false)})
	for _, kt := range []string{"rsa", "ecdsa"} {
		pki := testenv.NewPKI(t, kt, time.Time{}, time.Time{})
		for _, h := range []string{"sha1", "sha256", "sha384", "sha512"} {
			for _, ex := range []bool{false, true} {
				for _, in := range inputs {
					t.Run(fmt.Sprintf("%s/%s/ex=%v/%s", kt, h, ex, in.name), func(t *testing.T) {
						if testing.Short() && in.name != "odd shapes" {
							t.Skip("short")
						}
						out := filepath.Join(t.TempDir(), "signed.msi")
						args := []string{"sign", "-certs", pki.CertFile, "-key", pki.KeyFile, "-h", h, "-in", signInput(t, in.path), "-out", out}
						if ex {
							args = append(args, "-add-msi-dse")
						}
						if msg, err := exec.Command(ossl, args...).CombinedOutput(); err != nil {
							t.Fatalf("osslsigncode sign: %v\n%s", err, msg)
						}
						sig, err := VerifyFile(out, verifyWith(pki))
						if err != nil {
							t.Fatalf("Verify: %v", err)
						}
						if sig.Extended != ex {
							t.Errorf("Extended = %v", sig.Extended)
						}
					})
				}
			}
		}
	}
}

// TestTimestamp signs with a timestamp from a local RFC 3161 authority
// (openssl ts -reply on 127.0.0.1): osslsigncode accepts the result, the
// timestamp's time is used for the validity check, and an expired
// certificate is accepted only with a timestamp from its validity period.
func TestTimestamp(t *testing.T) {
	ossl := testenv.NeedTool(t, "osslsigncode", "osslsigncode")
	for _, kt := range []string{"rsa", "ecdsa"} {
		t.Run(kt, func(t *testing.T) {
			pki := testenv.NewPKI(t, kt, time.Time{}, time.Time{})
			url := pki.TimestampServer(t)
			opts := loadPKISigner(t, pki, crypto.SHA256, true)
			opts.TimestampURL = url
			before := time.Now().Add(-time.Minute)
			out := signTo(t, samplePkg, opts)
			r := osslVerify(t, ossl, out, pki.CAFile)
			if !r.ok {
				t.Fatalf("osslsigncode verify:\n%s", r.out)
			}
			sig, err := VerifyFile(out, verifyWith(pki))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			ts := sig.Timestamp
			if ts == nil || !ts.RFC3161 || ts.Time.Before(before) || ts.Time.After(time.Now().Add(time.Minute)) || !ts.Signer.Equal(pki.TSA) {
				t.Fatalf("Timestamp = %+v", ts)
			}
			// Three days on, the signing certificate (valid for two) has
			// expired: the timestamp keeps the signature valid, and
			// without one it is not.
			later := &VerifyOptions{Roots: newPool(pki.Root), CurrentTime: time.Now().Add(72 * time.Hour)}
			if _, err := VerifyFile(out, later); err != nil {
				t.Errorf("timestamped, after expiry: %v", err)
			}
			plain := signTo(t, samplePkg, loadPKISigner(t, pki, crypto.SHA256, false))
			if _, err := VerifyFile(plain, later); !errors.Is(err, ErrExpired) {
				t.Errorf("no timestamp, after expiry: err = %v, want ErrExpired", err)
			}
			if _, err := VerifyFile(plain, verifyWith(pki)); err != nil {
				t.Errorf("no timestamp, now: %v", err)
			}
		})
	}
}

// TestTimestampOutsideValidity: a timestamp from after the signing
// certificate expired does not rescue it (osslsigncode's built-in
// authority signs with a chosen time).
func TestTimestampOutsideValidity(t *testing.T) {
	ossl := testenv.NeedTool(t, "osslsigncode", "osslsigncode")
	now := time.Now()
	for _, c := range []struct {
		name    string
		tsaTime time.Time
		wantErr error
	}{
		{"inside", now.Add(-24 * time.Hour), nil},
		{"after expiry", now.Add(-time.Hour), ErrExpired},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The certificate was valid from three days ago to two hours ago.
			pki := testenv.NewPKI(t, "rsa", now.Add(-72*time.Hour), now.Add(-2*time.Hour))
			out := filepath.Join(t.TempDir(), "signed.msi")
			args := []string{"sign", "-certs", pki.CertFile, "-key", pki.KeyFile, "-h", "sha256",
				"-TSA-certs", pki.TSACertFile, "-TSA-key", pki.TSAKeyFile, "-TSA-time", strconv.FormatInt(c.tsaTime.Unix(), 10),
				"-in", samplePkg, "-out", out}
			if msg, err := exec.Command(ossl, args...).CombinedOutput(); err != nil {
				t.Fatalf("osslsigncode sign: %v\n%s", err, msg)
			}
			sig, err := VerifyFile(out, verifyWith(pki))
			if sig == nil || sig.Timestamp == nil || !sig.Timestamp.RFC3161 || sig.Timestamp.Time.Unix() != c.tsaTime.Unix() {
				t.Fatalf("Timestamp = %+v (%v)", sig, err)
			}
			if c.wantErr == nil && err != nil || c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
		})
	}
}

// TestResignAfterDropAndRepack: a package msikit signed, rewritten by msi
// with DropSignature and signed again, verifies; so does a cfb repack of a
// signed package (the container changes, the digests do not).
func TestResignAfterDropAndRepack(t *testing.T) {
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	opts := loadPKISigner(t, pki, crypto.SHA256, true)
	signed := signTo(t, samplePkg, opts)
	db, err := msi.Open(signed)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	props, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	if err := props.Insert(msi.StrValue("MSIKIT_TEST"), msi.StrValue("1")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	unsigned := filepath.Join(dir, "unsigned.msi")
	if err := db.Save(unsigned, &msi.SaveOptions{WriteOptions: msi.WriteOptions{DropSignature: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyFile(unsigned, nil); !errors.Is(err, ErrNotSigned) {
		t.Fatalf("after DropSignature: %v, want ErrNotSigned", err)
	}
	resigned := signTo(t, unsigned, opts)
	if _, err := VerifyFile(resigned, verifyWith(pki)); err != nil {
		t.Fatalf("signed again: %v", err)
	}
	// The hook writers use: save and sign in one call.
	hooked := filepath.Join(dir, "hooked.msi")
	if err := SaveSigned(context.Background(), db, hooked, nil, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyFile(hooked, verifyWith(pki)); err != nil {
		t.Fatalf("SaveSigned: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("SaveSigned left files behind: %v", ents)
	}
	// cfb repack: every stream and its metadata copied, layout new.
	repacked := filepath.Join(dir, "repacked.msi")
	rebuild(t, resigned, repacked, nil, nil)
	if _, err := VerifyFile(repacked, verifyWith(pki)); err != nil {
		t.Fatalf("repacked: %v", err)
	}
}

// TestTimestampAuthorityFailures: a timestamp authority that fails,
// answers garbage, refuses, or replays a token for another signature
// makes signing fail with a clear error and writes nothing.
func TestTimestampAuthorityFailures(t *testing.T) {
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	tsaURL := pki.TimestampServer(t)
	// A token for some other signature, to replay.
	first := loadPKISigner(t, pki, crypto.SHA256, false)
	var replay []byte
	recorder := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Post(tsaURL, "application/timestamp-query", r.Body)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer resp.Body.Close()
		replay, _ = io.ReadAll(resp.Body)
		w.Write(replay)
	}))
	defer recorder.Close()
	first.TimestampURL = recorder.URL
	signTo(t, samplePkg, first)
	if len(replay) == 0 {
		t.Fatal("no reply recorded")
	}
	refused := tlv(tagSequence, tlv(tagSequence, derInt(2)))
	for _, c := range []struct {
		name, want string
		handler    http.HandlerFunc
	}{
		{"500", "answered 500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) }},
		{"garbage", "bad reply", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello")) }},
		{"refused", "refused (PKIStatus 2)", func(w http.ResponseWriter, r *http.Request) { w.Write(refused) }},
		{"replayed token", "imprint is not the hash of this signature", func(w http.ResponseWriter, r *http.Request) { w.Write(replay) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			opts := loadPKISigner(t, pki, crypto.SHA256, false)
			opts.TimestampURL = srv.URL
			dst := filepath.Join(t.TempDir(), "out.msi")
			err := SignFile(context.Background(), dst, samplePkg, false, opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
			if _, serr := os.Stat(dst); serr == nil {
				t.Error("output written")
			}
		})
	}
}
