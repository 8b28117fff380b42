package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
)

// TestWritersSign: rewrite, import and repack sign their output with
// --sign-cert/--sign-key (or --pfx), replacing the input's signature
// without --drop-signature; the outputs verify with msikit and with
// osslsigncode.
func TestWritersSign(t *testing.T) {
	pki := testenv.NewPKI(t, "rsa", time.Time{}, time.Time{})
	dir := t.TempDir()
	signedIn := signedSample(t, pki, dir, "signed-in.msi", "--ex")
	idt := filepath.Join(dir, "Property.idt")
	_, prop, _ := runCLI(t, "export", samplePath(), "Property")
	os.WriteFile(idt, []byte(prop+"MSIKIT_SIGNED\t1\r\n"), 0o644)
	key := []string{"--sign-cert", pki.CertFile, "--sign-key", pki.KeyFile}

	checkUsage(t,
		[]string{"rewrite", signedIn, "--dry-run", "--sign-cert", pki.CertFile, "--sign-key", pki.KeyFile},
		[]string{"rewrite", signedIn, "-o", filepath.Join(dir, "x.msi"), "--sign-cert", pki.CertFile},
		[]string{"import", signedIn, idt, "-o", filepath.Join(dir, "x.msi"), "--sign-key", pki.KeyFile},
		[]string{"repack", signedIn, "-o", filepath.Join(dir, "x.msi"), "--sign-ex"},
		[]string{"repack", signedIn, "-o", filepath.Join(dir, "x.msi"), "--sign-digest", "md5", "--sign-cert", pki.CertFile, "--sign-key", pki.KeyFile},
	)
	for _, c := range []struct {
		name string
		args []string
		want string // on stdout
	}{
		{"rewrite", append([]string{"rewrite", signedIn, "-o", filepath.Join(dir, "rewrite.msi")}, key...),
			`  signature: ` + filepath.Join(dir, "rewrite.msi") + ` signed by "CN=msikit test signer rsa,O=msikit tests"`},
		{"import", append([]string{"import", signedIn, idt, "-o", filepath.Join(dir, "import.msi"), "--sign-digest", "sha512"}, key...),
			filepath.Join(dir, "import.msi") + `: signed by "CN=msikit test signer rsa,O=msikit tests" (SHA-512); the previous signature was replaced`},
		{"repack", append([]string{"repack", signedIn, "-o", filepath.Join(dir, "repack.msi"), "--sign-ex"}, key...),
			filepath.Join(dir, "repack.msi") + `: signed by "CN=msikit test signer rsa,O=msikit tests" (SHA-256, \x05MsiDigitalSignatureEx); the previous signature was replaced`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, c.args...)
			if code != exitOK || !strings.Contains(stdout, c.want+"\n") {
				t.Fatalf("exit %d\nstdout %q\nwant line %q\nstderr %q", code, stdout, c.want, stderr)
			}
			out := filepath.Join(dir, c.name+".msi")
			if code, stdout, _ := runCLI(t, "verify", "--ca-file", pki.CAFile, out); code != exitOK {
				t.Errorf("verify: %s", stdout)
			}
			if ossl, err := exec.LookPath("osslsigncode"); err == nil {
				if msg, err := exec.Command(ossl, "verify", "-ignore-cdp", "-CAfile", pki.CAFile, "-in", out).CombinedOutput(); err != nil {
					t.Errorf("osslsigncode verify: %v\n%s", err, msg)
				}
			} else if testenv.Required() {
				t.Fatal("osslsigncode not found")
			}
			if ents, _ := filepath.Glob(filepath.Join(dir, ".*")); len(ents) > 0 {
				t.Errorf("temporary files left: %v", ents)
			}
		})
	}
	// The import really changed the table, and the rewrite report says it
	// signed.
	if _, out, _ := runCLI(t, "export", filepath.Join(dir, "import.msi"), "Property"); !strings.Contains(out, "MSIKIT_SIGNED\t1") {
		t.Error("import did not change Property")
	}
	code, stdout, _ := runCLI(t, append([]string{"rewrite", "--json", signedIn, "-o", filepath.Join(dir, "rewrite2.msi")}, key...)...)
	var sum rewriteSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil || code != exitOK {
		t.Fatalf("rewrite --json: %d %v", code, err)
	}
	if p := sum.Packages[0]; !p.OutputSigned || !strings.Contains(p.OutputSigner, "msikit test signer") || p.SignatureDropped {
		t.Errorf("rewrite --json package = %+v", p)
	}

	// sign -> rewrite --drop-signature -> sign again.
	dropped := filepath.Join(dir, "dropped.msi")
	if code, _, stderr := runCLI(t, "rewrite", signedIn, "--drop-signature", "-o", dropped); code != exitOK {
		t.Fatal(stderr)
	}
	if code, stdout, _ := runCLI(t, "verify", dropped); code != exitFailure || !strings.Contains(stdout, "not signed") {
		t.Fatalf("after --drop-signature: %s", stdout)
	}
	resigned := filepath.Join(dir, "resigned.msi")
	if code, _, stderr := runCLI(t, "sign", dropped, "--cert", pki.CertFile, "--key", pki.KeyFile, "-o", resigned); code != exitOK {
		t.Fatal(stderr)
	}
	if code, stdout, _ := runCLI(t, "verify", "--ca-file", pki.CAFile, resigned); code != exitOK {
		t.Errorf("signed again: %s", stdout)
	}
	// cfb repack keeps a signature valid.
	repacked := filepath.Join(dir, "cfb-repacked.msi")
	if code, _, stderr := runCLI(t, "cfb", "repack", resigned, "-o", repacked, "--version", "4"); code != exitOK {
		t.Fatal(stderr)
	}
	if code, stdout, _ := runCLI(t, "verify", "--ca-file", pki.CAFile, repacked); code != exitOK {
		t.Errorf("cfb repack: %s", stdout)
	}
}
