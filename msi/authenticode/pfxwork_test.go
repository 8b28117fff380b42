package authenticode

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/msikit/msikit/internal/rc2"
	"github.com/msikit/msikit/internal/testenv"
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

// TestPFXSafesDecrypted: the encrypted safes of the files go-pkcs12's
// encoders write (PBES2 with AES, PKCS#12 PBE with 3DES and with 40-bit
// RC2) are decrypted by hiddenIterations with the password, and not
// with another: its key derivation and ciphers agree with go-pkcs12's.
func TestPFXSafesDecrypted(t *testing.T) {
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	for name, enc := range map[string]*pkcs12.Encoder{"modern": pkcs12.Modern, "modern 2026": pkcs12.Modern2026, "legacy 3DES": pkcs12.LegacyDES, "legacy RC2": pkcs12.LegacyRC2} {
		t.Run(name, func(t *testing.T) {
			for _, pw := range []string{"s3cret", "", "pässwörd"} {
				b, err := enc.WithIterations(1000).Encode(pki.LeafKey, pki.Leaf, []*x509.Certificate{pki.Root}, pw)
				if err != nil {
					t.Fatal(err)
				}
				var total uint64
				if got := hiddenIterations(b, pw, &total); got != 1 {
					t.Errorf("password %q: %d safes decrypted, want 1 (the certificates')", pw, got)
				}
				if got := hiddenIterations(b, pw+"x", &total); got != 0 {
					t.Errorf("password %q+x: %d safes decrypted, want 0", pw, got)
				}
			}
		})
	}
}

// hiddenKeyBagPFX is a PKCS#12 file without a MAC (go-pkcs12 takes it
// with the empty password) whose one safe is encrypted (alg: "pbes2",
// "3des" or "rc2", with 1 iteration) and holds a shrouded key bag whose
// own encryption asks for iterations, garbage after that.
func hiddenKeyBagPFX(t *testing.T, alg string, iterations int64) []byte {
	t.Helper()
	oidShrouded := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	bag := tlv(tagSequence, derOID(oidShrouded), tlv(tagContext0,
		tlv(tagSequence, tlv(tagSequence, derOID(oidPBEWith3DES), tlv(tagSequence, derOctets(make([]byte, 8)), derInt(iterations))), derOctets(make([]byte, 16)))))
	plain := tlv(tagSequence, bag)
	salt := []byte("saltsalt")
	var block cipher.Block
	var iv, params []byte
	var err error
	pw := bmpPassword("")
	switch alg {
	case "pbes2":
		key, err := pbkdf2.Key(sha256.New, "", salt, 1, 16)
		if err != nil {
			t.Fatal(err)
		}
		block, _ = aes.NewCipher(key)
		iv = make([]byte, 16)
		params = tlv(tagSequence, derOID(oidPBES2), tlv(tagSequence,
			tlv(tagSequence, derOID(oidPBKDF2), tlv(tagSequence, derOctets(salt), derInt(1), derAlgorithm(oidHMACWithSHA256, true))),
			tlv(tagSequence, derOID(oidAES128CBC), derOctets(iv))))
	case "3des":
		block, err = des.NewTripleDESCipher(pkcs12KDF(salt, pw, 1, 1, 24))
		iv = pkcs12KDF(salt, pw, 1, 2, 8)
		params = tlv(tagSequence, derOID(oidPBEWith3DES), tlv(tagSequence, derOctets(salt), derInt(1)))
	case "rc2":
		block, err = rc2.New(pkcs12KDF(salt, pw, 1, 1, 5), 40)
		iv = pkcs12KDF(salt, pw, 1, 2, 8)
		params = tlv(tagSequence, derOID(oidPBEWithRC240), tlv(tagSequence, derOctets(salt), derInt(1)))
	}
	if err != nil {
		t.Fatal(err)
	}
	bs := block.BlockSize()
	pad := bs - len(plain)%bs
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	ct := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, plain)
	encData := tlv(tagSequence, derInt(0), tlv(tagSequence, derOID(oidPFXData), params, tlv(0x80, ct)))
	safes := tlv(tagSequence, tlv(tagSequence, derOID(oidPFXEncryptedData), tlv(tagContext0, encData)))
	return tlv(tagSequence, derInt(3), tlv(tagSequence, derOID(oidPFXData), tlv(tagContext0, derOctets(safes))))
}

// TestPFXHiddenIterationBomb: a shrouded key bag asking for 2^31-1
// iterations inside an encrypted safe (encrypted with 1) is refused with
// an *UnsupportedError within the time budget, whatever the safe's
// cipher. Before, the walk saw 1 iteration and go-pkcs12 derived the
// key bag's key for about 18 minutes (1,000,000 iterations: 0.5 s). A
// key bag of 1,000 iterations there is decoded (and fails on its
// garbage, not on the bound).
func TestPFXHiddenIterationBomb(t *testing.T) {
	for _, alg := range []string{"pbes2", "3des", "rc2"} {
		t.Run(alg, func(t *testing.T) {
			_, _, err := ParsePFX(hiddenKeyBagPFX(t, alg, 1000), "")
			var ue *UnsupportedError
			if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), "shrouded key bag") {
				t.Errorf("1,000 iterations: %v, want go-pkcs12's error on the key bag", err)
			}
			bomb := hiddenKeyBagPFX(t, alg, 1<<31-1)
			testenv.CheckBudget(t, alg, func() { _, _, err = ParsePFX(bomb, "") })
			if !errors.As(err, &ue) {
				t.Errorf("2^31-1 iterations: %v, want an *UnsupportedError", err)
			}
		})
	}
}
