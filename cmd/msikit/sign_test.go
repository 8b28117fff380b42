package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

func TestSignCommand(t *testing.T) {
	pki := testenv.NewPKI(t, "rsa", time.Time{}, time.Time{})
	dir := t.TempDir()
	out := filepath.Join(dir, "signed.msi")
	key := []string{"--cert", pki.CertFile, "--key", pki.KeyFile}
	checkUsage(t,
		[]string{"sign"},
		[]string{"sign", samplePath(), "-o", out}, // no key
		[]string{"sign", samplePath(), "--cert", pki.CertFile, "-o", out},
		[]string{"sign", samplePath(), "--pfx", "x.pfx", "--cert", pki.CertFile, "--key", pki.KeyFile, "-o", out},
		[]string{"sign", samplePath(), "--password-file", "pw", "--cert", pki.CertFile, "--key", pki.KeyFile, "-o", out},
		[]string{"sign", samplePath(), "--digest", "md5", "--cert", pki.CertFile, "--key", pki.KeyFile, "-o", out},
		[]string{"sign", samplePath(), "--cert", pki.CertFile, "--key", pki.KeyFile}, // no -o
		[]string{"sign", samplePath(), samplePath(), "--cert", pki.CertFile, "--key", pki.KeyFile, "-o", out},
		[]string{"sign", samplePath(), "--cert", pki.CertFile, "--key", pki.KeyFile, "-o", out, "--in-place"},
	)
	checkBadInputs(t, append([]string{"sign", "FILE", "-o", filepath.Join(dir, "bad.msi")}, key...)...)

	before := fileHash(t, samplePath())
	code, stdout, stderr := runCLI(t, append([]string{"sign", samplePath(), "-o", out, "--ex", "--digest", "sha384"}, key...)...)
	if code != exitOK || stderr != "" {
		t.Fatalf("sign: exit %d, stderr %q", code, stderr)
	}
	if want := out + `: signed by "CN=msikit test signer rsa,O=msikit tests" (SHA-384, \x05MsiDigitalSignatureEx)` + "\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
	if fileHash(t, samplePath()) != before {
		t.Fatal("sign modified its input")
	}
	code, stdout, _ = runCLI(t, "verify", "--ca-file", pki.CAFile, out)
	if code != exitOK || !strings.Contains(stdout, ": valid (SHA-384, \\x05MsiDigitalSignatureEx, signed by") {
		t.Fatalf("verify: exit %d: %s", code, stdout)
	}
	if ossl, err := exec.LookPath("osslsigncode"); err == nil {
		msg, err := exec.Command(ossl, "verify", "-ignore-cdp", "-CAfile", pki.CAFile, "-in", out).CombinedOutput()
		if err != nil {
			t.Errorf("osslsigncode verify: %v\n%s", err, msg)
		}
	}

	// Signing a signed package again replaces its signature, in place.
	code, stdout, stderr = runCLI(t, append([]string{"sign", "--in-place", out}, key...)...)
	if code != exitOK || !strings.Contains(stdout, "the previous signature was replaced") {
		t.Fatalf("re-sign: exit %d, %q, %q", code, stdout, stderr)
	}
	if rc, err := cfb.OpenReader(out); err != nil || rc.Lookup(msi.DigitalSignatureExStream) != nil {
		t.Errorf("re-signed without --ex still has the Ex stream (%v)", err)
	}

	// PKCS#12 with a password file (a trailing newline is not part of it).
	pfx, err := pkcs12.Modern.Encode(pki.LeafKey, pki.Leaf, []*x509.Certificate{pki.Root}, "pfx secret")
	if err != nil {
		t.Fatal(err)
	}
	pfxPath, pwPath := filepath.Join(dir, "k.pfx"), filepath.Join(dir, "pw.txt")
	os.WriteFile(pfxPath, pfx, 0o600)
	os.WriteFile(pwPath, []byte("pfx secret\n"), 0o600)
	out2 := filepath.Join(dir, "pfx.msi")
	if code, _, stderr := runCLI(t, "sign", samplePath(), "--pfx", pfxPath, "--password-file", pwPath, "-o", out2); code != exitOK {
		t.Fatalf("sign --pfx: %s", stderr)
	}
	if code, stdout, _ := runCLI(t, "verify", "--ca-file", pki.CAFile, out2); code != exitOK {
		t.Errorf("verify of the --pfx output: %s", stdout)
	}
	os.WriteFile(pwPath, []byte("wrong\n"), 0o600)
	code, stdout, stderr = runCLI(t, "sign", samplePath(), "--pfx", pfxPath, "--password-file", pwPath, "-o", filepath.Join(dir, "x.msi"))
	if code != exitFailure || strings.Contains(stderr+stdout, "pfx secret") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("wrong password: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// A key that does not match the certificate is refused; nothing of
	// the key is printed.
	other := testenv.NewPKI(t, "rsa", time.Time{}, time.Time{})
	keyPEM, _ := os.ReadFile(other.KeyFile)
	code, stdout, stderr = runCLI(t, "sign", samplePath(), "--cert", pki.CertFile, "--key", other.KeyFile, "-o", filepath.Join(dir, "y.msi"))
	body := strings.Split(string(keyPEM), "\n")[2]
	if code != exitFailure || strings.Contains(stderr+stdout, body) || !strings.Contains(stderr, "matches the private key") {
		t.Errorf("mismatched key: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "y.msi")); err == nil {
		t.Error("a refused signing wrote its output")
	}
}

// TestSignTimestamp signs with --timestamp against a local RFC 3161
// authority (openssl ts on 127.0.0.1).
func TestSignTimestamp(t *testing.T) {
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	url := pki.TimestampServer(t)
	out := filepath.Join(t.TempDir(), "ts.msi")
	code, stdout, stderr := runCLI(t, "sign", samplePath(), "--cert", pki.CertFile, "--key", pki.KeyFile, "--timestamp", url, "-o", out)
	if code != exitOK || !strings.Contains(stdout, "timestamped") {
		t.Fatalf("sign --timestamp: exit %d, %q, %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "verify", "--json", "--ca-file", pki.CAFile, out)
	var sum verifySummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil || code != exitOK {
		t.Fatalf("verify --json: exit %d, %v\n%s", code, err, stdout)
	}
	ts := sum.Packages[0].Timestamp
	if ts == nil || ts.Kind != "RFC 3161" || !strings.Contains(ts.Signer, "timestamp authority") {
		t.Errorf("timestamp = %+v", ts)
	}
	// An authority that is not there: the error names it, nothing is written.
	bad := filepath.Join(t.TempDir(), "bad.msi")
	code, _, stderr = runCLI(t, "sign", samplePath(), "--cert", pki.CertFile, "--key", pki.KeyFile, "--timestamp", "http://127.0.0.1:1/", "-o", bad)
	if code != exitFailure || !strings.Contains(stderr, "timestamp") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("unreachable authority: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("output written although timestamping failed")
	}
}

// TestSignLongChain: a certificate file of more certificates than a
// signature holds is refused before anything is written, by sign and by
// the package writers, with an error naming the limit (it used to be
// refused only by the read-back of the signed file).
func TestSignLongChain(t *testing.T) {
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	one, err := os.ReadFile(pki.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	long := filepath.Join(dir, "long.pem")
	if err := os.WriteFile(long, []byte(strings.Repeat(string(one), 257)), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.msi")
	for _, args := range [][]string{
		{"sign", samplePath(), "-o", out, "--cert", long, "--key", pki.KeyFile},
		{"repack", samplePath(), "-o", out, "--sign-cert", long, "--sign-key", pki.KeyFile},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != exitFailure || !strings.Contains(stderr, "more than 256 certificates") || strings.Contains(stderr, "read back") {
			t.Errorf("%s: exit %d, stderr %q, want a refusal naming the limit", args[0], code, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: wrote %s", args[0], out)
		}
	}
}

// TestSignBigRSACertificate: a certificate file holding a certificate
// whose RSA key is over Windows' limit is refused naming the file, before
// anything is written (it used to fail the read-back of the signed file).
func TestSignBigRSACertificate(t *testing.T) {
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	n := new(big.Int).Lsh(big.NewInt(1), 20000)
	n.Add(n, big.NewInt(1))
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{CommonName: "big"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &rsa.PublicKey{N: n, E: 65537}, pki.LeafKey)
	if err != nil {
		t.Fatal(err)
	}
	one, err := os.ReadFile(pki.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certs := filepath.Join(dir, "certs.pem")
	if err := os.WriteFile(certs, append(one, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.msi")
	code, _, stderr := runCLI(t, "sign", samplePath(), "-o", out, "--cert", certs, "--key", pki.KeyFile)
	if code != exitFailure || !strings.Contains(stderr, certs) || !strings.Contains(stderr, "RSA key of 20001 bits, more than 16384") {
		t.Errorf("exit %d, stderr %q, want a refusal naming the file and the limit", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("wrote %s", out)
	}
}
