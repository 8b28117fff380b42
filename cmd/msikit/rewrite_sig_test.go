package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// TestRewriteSignature checks --drop-signature against osslsigncode: a
// signed package the passes do not change keeps a signature that still
// verifies, and every report (JSON and text) says signature_dropped
// false; a signed package that changes loses its signature, and every
// report says so.
func TestRewriteSignature(t *testing.T) {
	oss := testenv.NeedTool(t, "osslsigncode", "osslsigncode")
	dir := t.TempDir()
	cert, key := testenv.SigningCert(t)
	sign := func(in, out string) {
		t.Helper()
		if b, err := exec.Command(oss, "sign", "-certs", cert, "-key", key, "-in", in, "-out", out).CombinedOutput(); err != nil {
			t.Fatalf("osslsigncode sign: %v\n%s", err, b)
		}
	}
	verifies := func(path string) bool {
		b, err := exec.Command(oss, "verify", "-CAfile", cert, "-ignore-cdp", "-in", path).CombinedOutput()
		return err == nil && strings.Contains(string(b), "Signature verification: ok")
	}
	signed := func(path string) bool {
		db, err := msi.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		return db.Signed()
	}

	// A package that needs changes, signed.
	changing := filepath.Join(dir, "changing.msi")
	sign(samplePath(), changing)
	// A package that needs none: the rewrite of the sample, signed.
	fixed := filepath.Join(dir, "fixed.msi")
	if code, _, stderr := runCLI(t, "rewrite", samplePath(), "-o", fixed); code != 0 {
		t.Fatalf("rewrite: %s", stderr)
	}
	unchanged := filepath.Join(dir, "unchanged.msi")
	sign(fixed, unchanged)

	for _, tc := range []struct {
		name    string
		in      string
		dropped bool
	}{
		{"unchanged", unchanged, false},
		{"changed", changing, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outJSON := filepath.Join(dir, tc.name+"-json.msi")
			code, stdout, stderr := runCLI(t, "rewrite", "--all", "--drop-signature", "--json", tc.in, "-o", outJSON)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var sum rewriteSummary
			if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
				t.Fatal(err)
			}
			p := sum.Packages[0]
			if p.SignatureDropped != tc.dropped || !p.Signed {
				t.Errorf("JSON: signed %v, signature_dropped %v; want true, %v", p.Signed, p.SignatureDropped, tc.dropped)
			}
			if (p.Changes > 0) != tc.dropped {
				t.Errorf("JSON: %d changes", p.Changes)
			}
			if signed(outJSON) == tc.dropped {
				t.Errorf("output signed %v, but the report says signature_dropped %v", signed(outJSON), p.SignatureDropped)
			}
			if !tc.dropped && !verifies(outJSON) {
				t.Error("the unchanged package's signature does not verify after the rewrite")
			}

			outText := filepath.Join(dir, tc.name+"-text.msi")
			code, stdout, stderr = runCLI(t, "rewrite", "--all", "--drop-signature", tc.in, "-o", outText)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if says := strings.Contains(stdout, "signature: dropped"); says != tc.dropped || signed(outText) == tc.dropped {
				t.Errorf("text report says dropped %v, output signed %v:\n%s", says, signed(outText), stdout)
			}
		})
	}
}
