package msi

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

var (
	reOSSLDigest  = regexp.MustCompile(`(?m)^Message digest algorithm\s*:\s*(\S+)`)
	reOSSLSubject = regexp.MustCompile(`(?m)^\s*Subject: (/.*)$`)
)

// osslSubject turns osslsigncode's "/C=US/O=Org/CN=Name" into Go's
// pkix.Name form "CN=Name,O=Org,C=US".
func osslSubject(s string) string {
	parts := strings.Split(strings.TrimPrefix(s, "/"), "/")
	slices.Reverse(parts)
	return strings.Join(parts, ",")
}

// TestSignatureMatchesOsslsigncode reports the signature of every corpus
// package and compares digest algorithm and signer with osslsigncode
// verify (which does the cryptography; msikit only reports).
func TestSignatureMatchesOsslsigncode(t *testing.T) {
	ossl := testenv.NeedTool(t, "osslsigncode", "osslsigncode")
	signed := 0
	for _, file := range testenv.CorpusFiles(t) {
		if testenv.IsCorrupt(file) {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			db, err := Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			sig, err := db.Signature()
			if err != nil {
				t.Fatal(err)
			}
			rc := db.CFB()
			wantSigned := rc.Lookup(DigitalSignatureStream) != nil
			wantEx := rc.Lookup(DigitalSignatureExStream) != nil
			if sig.Signed != wantSigned || sig.Extended != wantEx {
				t.Fatalf("Signed, Extended = %v, %v; the container has %v, %v", sig.Signed, sig.Extended, wantSigned, wantEx)
			}
			if !sig.Signed {
				return
			}
			if sig.Err != nil {
				t.Fatalf("signature not decoded: %v", sig.Err)
			}
			if testing.Short() && signed >= 2 {
				return
			}
			signed++
			cmd := exec.Command(ossl, "verify", "-in", file)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			_ = cmd.Run() // exits 1 when the chain does not verify; the fields are printed anyway
			m := reOSSLDigest.FindSubmatch(out.Bytes())
			if m == nil {
				t.Fatalf("osslsigncode printed no digest:\n%s", out.String())
			}
			if want := strings.Replace(string(m[1]), "SHA", "SHA-", 1); want != sig.Digest {
				t.Errorf("Digest = %q, osslsigncode says %q", sig.Digest, m[1])
			}
			if s := reOSSLSubject.FindSubmatch(out.Bytes()); s != nil {
				if want := osslSubject(string(s[1])); want != sig.Subject {
					t.Errorf("Subject = %q, osslsigncode says %q", sig.Subject, want)
				}
			}
		})
	}
	t.Logf("%d signed packages compared with osslsigncode", signed)
}

func TestParsePKCS7Errors(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("not DER at all"),
		"truncated": {0x30, 0x82, 0x10, 0x00, 0x06},
		"not signed data": {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
			0xa0, 0x00},
	} {
		t.Run(name, func(t *testing.T) {
			var si SignatureInfo
			err := parsePKCS7(b, &si)
			if !errors.Is(err, ErrFormat) {
				t.Errorf("err = %v, want ErrFormat", err)
			}
		})
	}
}
