package authenticode

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
)

// TestDigestOrder: names compare by their UTF-16LE bytes with the NUL
// terminator, so a prefix sorts first and the low byte of a unit decides
// before the high byte.
func TestDigestOrder(t *testing.T) {
	names := []string{"abc", "B", "ab", "a", "\u0141", "\u4840", "A", "\u0142", "XY", "X"}
	var ents []*cfb.Entry
	for _, n := range names {
		ents = append(ents, &cfb.Entry{Name: n, RawName: utf16.Encode([]rune(n))})
	}
	dir := &cfb.Entry{Type: cfb.TypeRoot, Children: ents}
	var got []string
	for _, e := range digestOrder(dir) {
		got = append(got, e.Name)
	}
	// Low bytes: '@'=0x40 for U+4840, 'A'=0x41 and U+0141, 'B'=0x42 and
	// U+0142, 'X'=0x58, 'a'=0x61; ties broken by the high byte.
	want := []string{"\u4840", "A", "\u0141", "B", "\u0142", "X", "XY", "a", "ab", "abc"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

// TestPrehashRecordLargeStream: a stream's size enters the pre-hash as
// its low 32 bits, without overflow for sizes past 2 GiB or 4 GiB.
func TestPrehashRecordLargeStream(t *testing.T) {
	for _, size := range []int64{0, 1<<31 + 5, 1<<32 + 7, 5 << 30} {
		s := &cfb.Entry{Name: "s", RawName: []uint16{'s'}, Type: cfb.TypeStream, Size: size, StateBits: 9, Created: 1, Modified: 2}
		root := &cfb.Entry{Type: cfb.TypeRoot, CLSID: cfb.GUID{1}, Children: []*cfb.Entry{s}}
		s.Parent = root
		h := sha256.New()
		if err := prehashStorage(h, root); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		want.Write(root.CLSID[:])
		binary.Write(&want, binary.LittleEndian, uint32(0))
		want.Write([]byte{'s', 0})
		binary.Write(&want, binary.LittleEndian, uint32(size))
		binary.Write(&want, binary.LittleEndian, uint32(9))
		binary.Write(&want, binary.LittleEndian, uint64(1))
		binary.Write(&want, binary.LittleEndian, uint64(2))
		if got, w := h.Sum(nil), sha256.Sum256(want.Bytes()); !bytes.Equal(got, w[:]) {
			t.Errorf("size %d: pre-hash differs from the documented record", size)
		}
	}
}

func TestSignOptionsRefused(t *testing.T) {
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	other := testenv.NewPKI(t, "rsa", time.Time{}, time.Time{})
	good := loadPKISigner(t, pki, crypto.SHA256, false)
	for _, c := range []struct {
		name string
		opts *SignOptions
		want string
	}{
		{"nil", nil, "no signing key"},
		{"no certificate", &SignOptions{Signer: good.Signer}, "no signing certificate"},
		{"key of another certificate", &SignOptions{Signer: other.LeafKey, Certificates: good.Certificates}, "does not belong"},
		{"MD5", &SignOptions{Signer: good.Signer, Certificates: good.Certificates, Hash: crypto.MD5}, "unsupported"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := checkSignOptions(c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestParsePEMAndPFX loads the same key and chain from PEM files, from a
// PKCS#12 file go-pkcs12 writes (modern and legacy RC2 encryption) and
// from one openssl writes; the signing certificate comes first. Wrong
// passwords and mismatched files fail without showing key material.
func TestParsePEMAndPFX(t *testing.T) {
	pki := testenv.NewPKI(t, "rsa", time.Time{}, time.Time{})
	certPEM, _ := os.ReadFile(pki.CertFile)
	keyPEM, _ := os.ReadFile(pki.KeyFile)
	// Chain given root first: ParsePEM still puts the signer first.
	reordered := append(bytes.Clone(certPEM[bytes.Index(certPEM, []byte("-----END CERTIFICATE-----"))+26:]), certPEM...)
	key, certs, err := ParsePEM(reordered, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !certs[0].Equal(pki.Leaf) {
		t.Errorf("first certificate is %v", certs[0].Subject)
	}
	pfxs := map[string][]byte{}
	for name, enc := range map[string]*pkcs12.Encoder{"modern": pkcs12.Modern, "legacy RC2": pkcs12.LegacyRC2} {
		b, err := enc.Encode(pki.LeafKey, pki.Leaf, certs[1:], "s3cret")
		if err != nil {
			t.Fatal(err)
		}
		pfxs[name] = b
	}
	if openssl, err := exec.LookPath("openssl"); err == nil {
		out := filepath.Join(t.TempDir(), "o.pfx")
		cmd := exec.Command(openssl, "pkcs12", "-export", "-in", pki.CertFile, "-inkey", pki.KeyFile, "-out", out, "-passout", "pass:s3cret")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl pkcs12: %v\n%s", err, msg)
		}
		pfxs["openssl"], _ = os.ReadFile(out)
	}
	for name, b := range pfxs {
		t.Run(name, func(t *testing.T) {
			k, cs, err := ParsePFX(b, "s3cret")
			if err != nil {
				t.Fatal(err)
			}
			if !cs[0].Equal(pki.Leaf) || !k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(key.Public()) {
				t.Errorf("wrong key or certificate order")
			}
			if !slices.ContainsFunc(cs, pki.Root.Equal) {
				t.Errorf("root not returned")
			}
			if _, _, err := ParsePFX(b, "wrong"); err == nil {
				t.Errorf("wrong password accepted")
			}
		})
	}
	otherKey, _ := os.ReadFile(testenv.NewPKI(t, "rsa", time.Time{}, time.Time{}).KeyFile)
	_, _, err = ParsePEM(certPEM, otherKey)
	if err == nil || strings.Contains(err.Error(), "PRIVATE") || bytes.Contains([]byte(err.Error()), otherKey[40:60]) {
		t.Errorf("mismatched key: err = %v", err)
	}
	_, _, err = ParsePEM(certPEM, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"))
	if err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Errorf("encrypted key: err = %v", err)
	}
}

func TestNotSigned(t *testing.T) {
	sig, err := VerifyFile(samplePkg, nil)
	if sig != nil || !errors.Is(err, ErrNotSigned) {
		t.Errorf("Verify(unsigned) = %v, %v; want ErrNotSigned", sig, err)
	}
}
