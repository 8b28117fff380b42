package main

import (
	"crypto"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
)

// TestKeyFilesBounded: a key, certificate, password or trust file larger
// than any real one is refused before it is read whole (before, --cert
// /dev/zero read until memory ran out: 23 GB).
func TestKeyFilesBounded(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.pem")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxKeyFileSize + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	cert, key := testenv.SigningCert(t)
	out := filepath.Join(t.TempDir(), "out.msi")
	for _, args := range [][]string{
		{"sign", samplePath(), "-o", out, "--cert", big, "--key", key},
		{"sign", samplePath(), "-o", out, "--cert", cert, "--key", big},
		{"sign", samplePath(), "-o", out, "--pfx", big},
		{"sign", samplePath(), "-o", out, "--pfx", big, "--password-file", big},
		{"verify", "--ca-file", big, samplePath()},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != exitFailure || !strings.Contains(stderr, big+": larger than 16 MiB") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s written", out)
	}
}

// TestPFXTimeout: a PKCS#12 file still decoding after pfxTimeout fails
// the command with a clear error instead of holding it (the count of a
// key bag inside an encrypted safe shows only once decrypted, past what
// authenticode.ParsePFX bounds).
func TestPFXTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	oldParse, oldTimeout := parsePFX, pfxTimeout
	defer func() { parsePFX, pfxTimeout = oldParse, oldTimeout }()
	parsePFX = func([]byte, string) (crypto.Signer, []*x509.Certificate, error) {
		<-release // a key derivation that would run for minutes
		return nil, nil, errors.New("released")
	}
	pfxTimeout = 100 * time.Millisecond
	pfx := filepath.Join(t.TempDir(), "slow.pfx")
	if err := os.WriteFile(pfx, []byte("not read by the stand-in"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, _, stderr := runCLI(t, "sign", samplePath(), "-o", filepath.Join(t.TempDir(), "out.msi"), "--pfx", pfx)
	if code != exitFailure || !strings.Contains(stderr, pfx+": decoding the PKCS#12 file takes too long") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
