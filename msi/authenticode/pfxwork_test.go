package authenticode

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
	"software.sslmate.com/src/go-pkcs12"
)

// TestPFXIterations: the walk finds every iteration count a PKCS#12 file
// shows before decryption, in both of go-pkcs12's formats (PBES2 with
// PBKDF2, and the legacy PKCS#12 PBE): the MAC's, the encrypted
// certificate safe's and the shrouded key bag's.
func TestPFXIterations(t *testing.T) {
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	for name, enc := range map[string]*pkcs12.Encoder{"modern": pkcs12.Modern, "legacy RC2": pkcs12.LegacyRC2} {
		t.Run(name, func(t *testing.T) {
			b, err := enc.WithIterations(1000).Encode(pki.LeafKey, pki.Leaf, []*x509.Certificate{pki.Root}, "s3cret")
			if err != nil {
				t.Fatal(err)
			}
			if got := pfxIterations(b); got != 3000 {
				t.Errorf("pfxIterations = %d, want 3000 (MAC, certificate safe, key bag: 1,000 each)", got)
			}
		})
	}
}

// TestPFXIterationBomb: a PKCS#12 file asking for millions of iterations
// is refused before any key derivation runs, with an *UnsupportedError,
// within the time budget. Before the bound, the first file took 2 s to
// fail on its MAC, and the second would have taken over ten minutes.
func TestPFXIterationBomb(t *testing.T) {
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	b, err := pkcs12.LegacyRC2.WithIterations(65536).Encode(pki.LeafKey, pki.Leaf, nil, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ParsePFX(b, "s3cret"); err != nil {
		t.Fatalf("65,536 iterations each: %v", err)
	}
	// 65,536 (02 03 01 00 00) becomes 8,388,607 (02 03 7f ff ff) in
	// each of the three places: same length, so the DER stays valid.
	patched := bytes.ReplaceAll(b, []byte{2, 3, 1, 0, 0}, []byte{2, 3, 0x7f, 0xff, 0xff})
	if bytes.Equal(patched, b) {
		t.Fatal("no iteration count found to patch")
	}
	// A MacData of 2^31-1 iterations after an empty authenticated safe.
	oidData := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	safe := tlv(tagSequence)
	bomb := tlv(tagSequence, derInt(3),
		tlv(tagSequence, derOID(oidData), tlv(tagContext0, derOctets(safe))),
		tlv(tagSequence, tlv(tagSequence, derAlgorithm(oidSHA1, true), derOctets(make([]byte, 20))), derOctets(make([]byte, 8)), derInt(1<<31-1)))
	for name, pfx := range map[string][]byte{"8,388,607 each": patched, "MAC of 2^31-1": bomb} {
		t.Run(name, func(t *testing.T) {
			var err error
			testenv.CheckBudget(t, name, func() { _, _, err = ParsePFX(pfx, "s3cret") })
			var ue *UnsupportedError
			if !errors.As(err, &ue) {
				t.Errorf("err = %v, want an *UnsupportedError", err)
			}
		})
	}
}
