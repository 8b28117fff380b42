package authenticode

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// tinyReader returns a reader of tinyPackage(nil, nil), an unsigned
// package.
func tinyReader(tb testing.TB) *cfb.Reader {
	tb.Helper()
	pkg, err := tinyPackage(nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	cf, err := cfb.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		tb.Fatal(err)
	}
	return cf
}

// tinyPackage returns a small compound file with two streams and a
// storage, plus sig as \x05DigitalSignature and, when ex is not nil,
// \x05MsiDigitalSignatureEx.
func tinyPackage(sig, ex []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := cfb.NewWriter(&buf, nil)
	clsid, _ := cfb.ParseGUID("{000C1084-0000-0000-C000-000000000046}")
	w.SetRoot(cfb.Header{CLSID: clsid})
	for _, s := range []struct{ path, data string }{{"a", "alpha"}, {"S/b", "beta"}} {
		if err := w.CreateFrom(s.path, strings.NewReader(s.data), int64(len(s.data))); err != nil {
			return nil, err
		}
	}
	if err := w.CreateFrom(msi.DigitalSignatureStream, bytes.NewReader(sig), int64(len(sig))); err != nil {
		return nil, err
	}
	if ex != nil {
		if err := w.CreateFrom(msi.DigitalSignatureExStream, bytes.NewReader(ex), int64(len(ex))); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// verifyBytes verifies the package in b.
func verifyBytes(b []byte, opts *VerifyOptions) (*Signature, error) {
	cf, err := cfb.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	return Verify(cf, opts)
}

// typed reports whether err is one of the errors Verify documents.
func typed(err error) bool {
	if err == nil {
		return true
	}
	var ue *UnsupportedError
	for _, e := range []error{ErrNotSigned, ErrFormat, ErrDigestMismatch, ErrBadSignature, ErrUntrusted, ErrExpired, ErrBadTimestamp} {
		if errors.Is(err, e) {
			return true
		}
	}
	if ve, ok := err.(*VerifyError); ok {
		for _, p := range ve.Problems {
			if !typed(p) {
				return false
			}
		}
		return true
	}
	return errors.As(err, &ue)
}

// fuzzSeeds returns signature streams to start from: the corpus's and
// one msikit makes.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	if dir := testenv.CorpusDir(); dir != "" {
		for _, sub := range []string{"real", "synthetic"} {
			ents, _ := os.ReadDir(filepath.Join(dir, sub))
			for _, e := range ents {
				rc, err := cfb.OpenReader(filepath.Join(dir, sub, e.Name()))
				if err != nil {
					continue
				}
				if s := rc.Lookup(msi.DigitalSignatureStream); s != nil {
					if b, err := readSmall(s, maxSignatureSize); err == nil {
						seeds = append(seeds, b)
					}
				}
				rc.Close()
			}
		}
	}
	pki := testenv.NewPKI(f, "ecdsa", time.Time{}, time.Time{})
	cf := tinyReader(f)
	sig, _, err := signatureStreams(context.Background(), cf, &SignOptions{Signer: pki.LeafKey, Certificates: []*x509.Certificate{pki.Leaf, pki.Root}, Hash: crypto.SHA256})
	if err != nil {
		f.Fatal(err)
	}
	return append(seeds, sig)
}

// FuzzSignature verifies packages whose \x05DigitalSignature is the fuzzed
// input: no panic, every error typed, and each input within 2 s and
// 256 MiB.
func FuzzSignature(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, false)
	}
	f.Add([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff}, true)
	f.Fuzz(func(t *testing.T, sig []byte, ex bool) {
		var exData []byte
		if ex {
			exData = make([]byte, 32)
		}
		pkg, err := tinyPackage(sig, exData)
		if err != nil {
			t.Fatal(err)
		}
		testenv.CheckFuzzBudget(t, len(sig), func() {
			// Chains are left to crypto/x509 (and its own bounds): under the
			// fuzzer's instrumentation, building them for the corpus seeds
			// takes seconds per input.
			_, err = verifyBytes(pkg, &VerifyOptions{NoChain: true})
			if !typed(err) {
				t.Fatalf("untyped error: %T %v", err, err)
			}
		})
	})
}
