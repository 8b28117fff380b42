package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// signedSample signs the sample into dir/name with pki's key.
func signedSample(t *testing.T, pki *testenv.PKI, dir, name string, extra ...string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	args := append([]string{"sign", samplePath(), "--cert", pki.CertFile, "--key", pki.KeyFile, "-o", out}, extra...)
	if code, _, stderr := runCLI(t, args...); code != exitOK {
		t.Fatalf("sign: %s", stderr)
	}
	return out
}

// tamperFile flips one byte in the middle of a copy of src, which in the
// sample lies in stream data (its cabinet).
func tamperFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCommand(t *testing.T) {
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	dir := t.TempDir()
	checkUsage(t,
		[]string{"verify"},
		[]string{"verify", "--jobs", "0", samplePath()},
		[]string{"verify", "--no-chain", "--ca-file", pki.CAFile, samplePath()},
		[]string{"verify", dir}, // a folder with no package
	)
	checkBadInputs(t, "verify", "FILE")

	good := signedSample(t, pki, dir, "good.msi", "--ex")
	bad := filepath.Join(dir, "bad.msi")
	tamperFile(t, good, bad)
	unsigned := filepath.Join(dir, "unsigned.msi")
	b, _ := os.ReadFile(samplePath())
	os.WriteFile(unsigned, b, 0o644)

	cases := []struct {
		name   string
		args   []string
		code   int
		stdout []string // lines, with DIR for dir
		stderr string
	}{
		{"valid", []string{"--ca-file", pki.CAFile, good}, exitOK,
			[]string{`DIR/good.msi: valid (SHA-256, \x05MsiDigitalSignatureEx, signed by "CN=msikit test signer ecdsa,O=msikit tests")`}, ""},
		{"untrusted", []string{good}, exitFailure,
			[]string{"DIR/good.msi: invalid", `DIR/good.msi: certificate not trusted: signer "CN=msikit test signer ecdsa,O=msikit tests": x509: certificate signed by unknown authority`},
			"msikit: DIR/good.msi: signature not valid (1 problem)\n"},
		{"no chain", []string{"--no-chain", good}, exitOK,
			[]string{`DIR/good.msi: valid (SHA-256, \x05MsiDigitalSignatureEx, signed by "CN=msikit test signer ecdsa,O=msikit tests", chain not checked)`}, ""},
		{"unsigned", []string{unsigned}, exitFailure, []string{"DIR/unsigned.msi: not signed"}, "msikit: DIR/unsigned.msi: not signed\n"},
		{"folder", []string{"--ca-file", pki.CAFile, "--jobs", "2", dir}, exitFailure, []string{
			"DIR/bad.msi: invalid",
			"DIR/bad.msi: content digest mismatch: signed HASH, computed HASH",
			`DIR/good.msi: valid (SHA-256, \x05MsiDigitalSignatureEx, signed by "CN=msikit test signer ecdsa,O=msikit tests")`,
			"DIR/unsigned.msi: not signed",
			"1 valid, 2 not valid",
		}, "msikit: verify: 2 of 3 packages not valid\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"verify"}, c.args...)...)
			stdout = strings.ReplaceAll(stdout, dir, "DIR")
			stdout = hexRun.ReplaceAllString(stdout, "HASH")
			if code != c.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, c.code, stderr)
			}
			if diff := cmp.Diff(strings.Join(c.stdout, "\n")+"\n", stdout); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if got := strings.ReplaceAll(stderr, dir, "DIR"); got != c.stderr {
				t.Errorf("stderr %q, want %q", got, c.stderr)
			}
		})
	}

	// --json: kinds of problems, signer, summary.
	code, stdout, _ := runCLI(t, "verify", "--json", "--ca-file", pki.CAFile, good, bad)
	var sum verifySummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil || code != exitFailure {
		t.Fatalf("--json: exit %d, %v", code, err)
	}
	if sum.Valid != 1 || sum.Invalid != 1 || !sum.Packages[0].Valid || sum.Packages[0].Signer == nil ||
		len(sum.Packages[0].Chain) != 2 || sum.Packages[1].Problems[0].Kind != "digest-mismatch" {
		t.Errorf("--json summary = %s", stdout)
	}

	// info says the same, and checks no trust.
	_, out, _ := runCLI(t, "info", good)
	if !strings.Contains(out, "Signature: signed, valid (") {
		t.Errorf("info on a valid package:\n%s", out)
	}
	_, out, _ = runCLI(t, "info", bad)
	if !strings.Contains(out, "Signature: signed, content digest mismatch (") {
		t.Errorf("info on a tampered package:\n%s", out)
	}
}

var hexRun = regexp.MustCompile(`[0-9A-F]{40,}`)

// TestSignatureTextEscapedAndClipped: the names of a hostile signer (64
// attributes of terminal escape sequences, 2 KB each) and the problems
// quoting them reach the terminal escaped and clipped, in verify's text
// and info's; JSON escapes control characters itself and carries other
// characters as they are (a JSON value is data, as in every --json).
func TestSignatureTextEscapedAndClipped(t *testing.T) {
	pkg := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-sig-long-names.msi")
	for _, args := range [][]string{
		{"verify", pkg},
		{"verify", "--no-chain", pkg},
		{"verify", "--json", pkg},
		{"info", pkg},
		{"info", "--json", pkg},
	} {
		code, stdout, stderr := runCLI(t, args...)
		if code != exitOK && code != exitFailure {
			t.Errorf("%q: exit %d: %s", args, code, stderr)
		}
		if !strings.Contains(stdout, "Hostile Signer") {
			t.Errorf("%q: the signer is not named:\n%.500s", args, stdout)
		}
		raw := "\x1b\x07\u202e"
		if slices.Contains(args, "--json") {
			raw = "\x1b\x07"
		}
		for _, line := range strings.Split(stdout+stderr, "\n") {
			if i := strings.IndexAny(line, raw); i >= 0 {
				t.Errorf("%q: unescaped control character in %.200q", args, line[max(0, i-40):])
			}
			if len(line) > 1024 {
				t.Errorf("%q: line of %d bytes: %.200q", args, len(line), line)
			}
		}
	}
}
